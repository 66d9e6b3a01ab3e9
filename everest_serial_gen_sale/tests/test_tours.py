"""Credit notes of sales in a real browser (static/tests/tours/)."""

from odoo.addons.everest_serial_gen.tests import test_tours

from .common import SaleFlows


class TestSaleTours(SaleFlows, test_tours.TestTours):
    # The tours of TestTours run from their own class.
    test_credit_note_tour = None
    test_return_receipt_tour = None
    test_reverse_from_the_action_menu_tour = None
    test_retrieved_serial_tour = None

    def test_attach_tour(self):
        """A credit note of a delivered sale, in the browser: the serials are
        attached, and the words after OK say so (#24)."""
        self.laptop.invoice_policy = "delivery"
        sold = self._in_stock(self.laptop, ["TOUR-S1", "TOUR-S2"])
        _order, _delivery, invoice = self._sell_deliver_invoice(self.laptop, 2)
        refund = self._credit_note(invoice)

        self.start_tour(
            test_tours.web_client_url(
                f"action-account.action_move_out_refund_type/{refund.id}"
            ),
            "everest_serial_gen_attach_tour",
            login="admin",
        )

        self.env.invalidate_all()
        self.assertEqual(refund.serial_lot_ids, sold)
        self.assertEqual(
            self._quantities(sold),
            {(lot.name, self.warehouse.lot_stock_id): 1.0 for lot in sold},
        )
