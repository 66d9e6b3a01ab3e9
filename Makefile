# Each target sets up what it needs (Odoo source, virtualenv, PostgreSQL) in a
# cache outside the checkout; see dev/devenv.py and the README.
PYTHON ?= python3

.PHONY: run test lint bench pot screenshots
run:
	$(PYTHON) dev/devenv.py run

test:
	$(PYTHON) dev/devenv.py test $(ARGS)

lint:
	$(PYTHON) dev/devenv.py lint

bench:
	$(PYTHON) dev/devenv.py bench $(ARGS)

# i18n/everest_serial_gen.pot, exported by Odoo
pot:
	$(PYTHON) dev/devenv.py pot

# the app page's screenshots, from a server started with `make run`
screenshots:
	$(PYTHON) dev/screenshots.py $(ARGS)
