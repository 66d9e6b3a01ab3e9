"""Generate Serial # in a real browser: the tours of
static/tests/tours/serial_generate_tours.js, run in headless Chromium.

They need the HTTP server (pytest-odoo's ``--odoo-http``, which ``make test``
passes) and a Chromium or Chrome executable (``make test`` installs Debian's
``chromium`` package when run as root). A tour that cannot run must not pass
unnoticed: Odoo's HttpCase *skips* a tour when it finds no browser, and
pytest-odoo skips every HttpCase without ``--odoo-http``. Here both fail:
``TestTours`` fails in setUpClass without a browser and turns any skip of
Odoo's browser helper into a failure, and ``TestToursCanRun`` fails when no
HTTP server runs.
"""

import unittest

import odoo
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.web.controllers.home import Home

from .common import SerialGenData

BROWSER_MISSING = (
    "The browser tours of everest_serial_gen need Chromium or Google Chrome, "
    "which could not be found or started ({reason}). Install Debian's package: "
    "apt-get install chromium (make test does it when run as root)."
)


def web_client_url(path):
    """The web client's URL of ``path``, like ``/odoo/action-x/7`` in Odoo 18.

    The prefix is read from the web client's own route: a rebranded build of
    Odoo 18 (the one ``make test`` may use) serves it under another name.
    """
    routes = Home.web_client.original_routing["routes"]
    prefix = next(
        route.removesuffix("/<path:subpath>")
        for route in routes
        if route.endswith("/<path:subpath>") and not route.startswith("/scoped_app")
    )
    return f"{prefix}/{path}"


@tagged("post_install", "-at_install")
class TestToursCanRun(TransactionCase):
    def test_http_server_runs(self):
        """Without an HTTP server, pytest-odoo skips the tours: fail instead."""
        self.assertIsNotNone(
            odoo.service.server.server,
            "No Odoo HTTP server runs, so the browser tours of TestTours are "
            "skipped: run pytest with --odoo-http (make test does).",
        )


@tagged("post_install", "-at_install")
class TestTours(SerialGenData, HttpCase):
    @classmethod
    def setUpClass(cls):
        try:
            _find_executable()
        except unittest.SkipTest as error:
            raise AssertionError(BROWSER_MISSING.format(reason=error)) from None
        super().setUpClass()
        cls._setup_serial_data()
        cls.laptop = cls._create_product("Tour Laptop", "serial")
        cls.cable = cls._create_product("Tour Cable Reel", "lot")

    def browser_js(self, *args, **kwargs):
        """Odoo skips a browser test whose Chromium does not start: fail.
        Odoo waits 10 s for Chromium; a machine busy with other work may
        need longer once, so a start that timed out is tried again."""
        for attempt in (1, 2):
            try:
                return super().browser_js(*args, **kwargs)
            except unittest.SkipTest as error:
                if attempt == 1 and "devtools port" in str(error):
                    continue
                raise AssertionError(BROWSER_MISSING.format(reason=error)) from None

    def _quantities(self, lots):
        """Quantity of each lot by internal location, as Inventory shows it."""
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", lots.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", "!=", 0),
            ]
        )
        return {(q.lot_id.name, q.location_id): q.quantity for q in quants}

    def test_credit_note_tour(self):
        refund = self._create_credit_note([(self.laptop, 3), (self.cable, 5)])
        self.assertTrue(refund.serial_can_generate)

        self.start_tour(
            web_client_url(f"action-account.action_move_out_refund_type/{refund.id}"),
            "everest_serial_gen_credit_note_tour",
            login="admin",
        )

        self.env.invalidate_all()
        lots = refund.serial_lot_ids
        laptops = lots.filtered(lambda lot: lot.product_id == self.laptop)
        cables = lots.filtered(lambda lot: lot.product_id == self.cable)
        self.assertEqual(sorted(laptops.mapped("name")), ["TOURSN-0001", "TOURSN-0002"])
        self.assertEqual(len(cables), 1)
        self.assertEqual(refund.serial_lot_count, 3)
        stock = self.warehouse.lot_stock_id
        self.assertEqual(
            self._quantities(lots),
            {
                ("TOURSN-0001", stock): 1.0,
                ("TOURSN-0002", stock): 1.0,
                (cables.name, stock): 5.0,
            },
        )
        self.assertEqual(refund.serial_picking_ids.state, "done")
        laptop_line = refund.invoice_line_ids.filtered(
            lambda line: line.product_id == self.laptop
        )
        self.assertEqual(
            laptop_line._serial_quantities(laptop_line.move_id), (3.0, 2.0)
        )

    def test_reverse_tour(self):
        """Reverse from the header's button: it asks first, then a success
        notification says which return sent the serials back (#31)."""
        refund = self._create_credit_note([(self.laptop, 2)])
        self.env["serial.generate.wizard"].with_context(
            active_model="account.move", active_id=refund.id
        ).create({}).action_generate()
        self.assertEqual(refund.serial_lot_count, 2)

        self.start_tour(
            web_client_url(f"action-account.action_move_out_refund_type/{refund.id}"),
            "everest_serial_gen_reverse_tour",
            login="admin",
        )

        self.env.invalidate_all()
        returns = refund.serial_picking_ids.return_ids
        self.assertEqual(returns.state, "done")
        self.assertFalse(self._quantities(refund.serial_lot_ids))
        self.assertTrue(refund.serial_can_generate)

    def test_return_receipt_tour(self):
        receipt = self._create_return_receipt([(self.laptop, 2)])
        self.assertEqual(receipt.state, "assigned")

        self.start_tour(
            web_client_url(f"action-stock.action_picking_tree_incoming/{receipt.id}"),
            "everest_serial_gen_return_receipt_tour",
            login="admin",
        )

        self.env.invalidate_all()
        self.assertEqual(receipt.state, "done")
        lots = receipt.serial_lot_ids
        self.assertEqual(len(lots), 2)
        self.assertEqual(lots.product_id, self.laptop)
        returns_out = self.warehouse.serial_out_location_id
        self.assertEqual(returns_out.name, "Returns Out")
        self.assertEqual(
            self._quantities(lots), {(lot.name, returns_out): 1.0 for lot in lots}
        )
        self.assertEqual(receipt.move_line_ids.lot_id, lots)

    def test_return_entered_by_hand_tour(self):
        """A first-time user enters a customer's return on Odoo's Receipts,
        with default settings (no Storage Locations, no operation type of
        returns), and generates its serial (#31)."""
        Picking = self.env["stock.picking"]
        before = Picking.search([])

        self.start_tour(
            web_client_url("action-stock.action_picking_tree_incoming"),
            "everest_serial_gen_return_entered_by_hand_tour",
            login="admin",
        )

        self.env.invalidate_all()
        receipt = Picking.search([]) - before
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.location_id, self.customer_location)
        lot = receipt.serial_lot_ids
        self.assertEqual(lot.product_id, self.laptop)
        self.assertEqual(
            self._quantities(lot),
            {(lot.name, self.warehouse.serial_out_location_id): 1.0},
        )
        at_customer = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", self.customer_location.id)]
        )
        self.assertEqual(at_customer.quantity, -1.0)

    def test_retrieved_serial_tour(self):
        """The form of a serial generated on a return, then retrieved by a
        credit note, in the browser: one Origin group (#24)."""
        receipt = self._create_return_receipt([(self.laptop, 1)])
        self.env["serial.generate.wizard"].with_context(
            active_model="stock.picking", active_id=receipt.id
        ).create({}).action_generate()
        refund = self._create_credit_note([(self.laptop, 1)])
        self.env["serial.generate.wizard"].with_context(
            active_model="account.move", active_id=refund.id
        ).create({}).action_generate()
        lot = receipt.serial_lot_ids
        self.assertEqual(refund.serial_lot_ids, lot)

        self.start_tour(
            web_client_url(f"action-stock.action_production_lot_form/{lot.id}"),
            "everest_serial_gen_retrieved_serial_tour",
            login="admin",
        )
