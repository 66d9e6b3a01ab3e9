# Each target sets up what it needs (Odoo source, virtualenv, PostgreSQL) in a
# cache outside the checkout; see dev/devenv.py and the README.
PYTHON ?= python3
# the Odoo series to run on: `make test SERIES=19.0`
SERIES ?= 18.0
DEVENV = $(PYTHON) dev/devenv.py --series $(SERIES)

.PHONY: run test lint bench overhead peer production upgrade-check pot wheels screenshots
run:
	$(DEVENV) run

test:
	$(DEVENV) test $(ARGS)

lint:
	$(DEVENV) lint

bench:
	$(DEVENV) bench $(ARGS)

# Odoo's own stock flows timed without the addons and with them
# (bench/bench_odoo_flows.py; make overhead ARGS="--units 500")
overhead:
	$(DEVENV) overhead $(ARGS)

# Odoo's own sale_stock, stock_account and stock suites with the addon
# installed (or the Odoo addons named: make peer ARGS=stock)
peer:
	$(DEVENV) peer $(ARGS)

# bench/production.py: workers, a cron worker, clients at once over XML-RPC,
# the server killed mid-job, against `make run`'s database
production:
	$(DEVENV) production $(ARGS)

# dev/upgrade_check.py: a database of the previous release (1.0.0, one
# addon) upgraded to the checkout keeps its serials, links, generations,
# settings and sequences (or from another commit: ARGS=<commit>)
upgrade-check:
	$(DEVENV) upgrade-check $(ARGS)

# each addon's i18n/<addon>.pot, exported by Odoo
pot:
	$(DEVENV) pot

# dist/: one wheel per addon and Odoo series (odoo-addon-everest_serial_gen 18.0.x, ...)
wheels:
	$(DEVENV) wheels

# the app page's screenshots, from a server started with `make run`
screenshots:
	$(PYTHON) dev/screenshots.py $(ARGS)
