# Each target sets up what it needs (Odoo source, virtualenv, PostgreSQL) in a
# cache outside the checkout; see dev/devenv.py and the README.
PYTHON ?= python3

.PHONY: run test lint bench screenshots
run:
	$(PYTHON) dev/devenv.py run

test:
	$(PYTHON) dev/devenv.py test $(ARGS)

lint:
	$(PYTHON) dev/devenv.py lint

bench:
	$(PYTHON) dev/devenv.py bench $(ARGS)

# the app page's screenshots, from a server started with `make run`
screenshots:
	$(PYTHON) dev/screenshots.py $(ARGS)
