# Each target sets up what it needs (Odoo source, virtualenv, PostgreSQL) in a
# cache outside the checkout; see dev/devenv.py and the README.
PYTHON ?= python3
# the Odoo series to run on: `make test SERIES=19.0`
SERIES ?= 18.0
DEVENV = $(PYTHON) dev/devenv.py --series $(SERIES)

.PHONY: run test lint bench peer production pot wheels screenshots
run:
	$(DEVENV) run

test:
	$(DEVENV) test $(ARGS)

lint:
	$(DEVENV) lint

bench:
	$(DEVENV) bench $(ARGS)

# Odoo's own sale_stock, stock_account and stock suites with the addon
# installed (or the Odoo addons named: make peer ARGS=stock)
peer:
	$(DEVENV) peer $(ARGS)

# bench/production.py: workers, a cron worker, clients at once over XML-RPC,
# the server killed mid-job, against `make run`'s database
production:
	$(DEVENV) production $(ARGS)

# i18n/everest_serial_gen.pot, exported by Odoo
pot:
	$(DEVENV) pot

# dist/: one wheel per Odoo series (odoo-addon-everest_serial_gen 18.0.x, 19.0.x)
wheels:
	$(DEVENV) wheels

# the app page's screenshots, from a server started with `make run`
screenshots:
	$(PYTHON) dev/screenshots.py $(ARGS)
