from odoo.exceptions import UserError

from .common import SerialGenCase


class TestCreditNote(SerialGenCase):
    def test_acceptance_serials_and_lot_into_stock(self):
        refund = self._create_credit_note(
            [(self.serial_product, 3), (self.lot_product, 5)]
        )
        self.assertTrue(refund.serial_can_generate)
        wizard, action = self._generate(refund)

        serials = refund.serial_lot_ids.filtered(
            lambda lot: lot.product_id == self.serial_product
        )
        lots = refund.serial_lot_ids.filtered(
            lambda lot: lot.product_id == self.lot_product
        )
        self.assertEqual(len(serials), 3)
        self.assertEqual(len(lots), 1)
        self.assertEqual(refund.serial_lot_count, 4)
        quants = self._quants(refund.serial_lot_ids, self.stock_location)
        self.assertEqual(
            sum(quants.filtered(lambda q: q.lot_id in serials).mapped("quantity")), 3
        )
        self.assertEqual(
            sum(quants.filtered(lambda q: q.lot_id in lots).mapped("quantity")), 5
        )
        for lot in refund.serial_lot_ids:
            self.assertEqual(lot.serial_account_move_ids, refund)
            self.assertEqual(lot.company_id, refund.company_id)
        picking = refund.serial_picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.location_id, self.customer_location)
        self.assertEqual(len(picking.move_ids), 2)
        self.assertEqual(len(picking.move_line_ids), 4)
        self.assertEqual(action["domain"], [("id", "in", wizard.lot_ids.ids)])

        # a second Generate Serial # offers nothing left to generate
        form = self._wizard_form(refund)
        self.assertEqual(form.line_ids._records[0]["gen_quantity"], 0)
        self.assertEqual(form.line_ids._records[1]["gen_quantity"], 0)
        wizard = form.save()
        counts = self._counts()
        with self.assertRaises(UserError):
            wizard.action_generate()
        self.assertEqual(self._counts(), counts)
