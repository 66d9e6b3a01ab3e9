"""Reverse Serial Generation: validations that end done, and what is
left where it is."""

from unittest.mock import patch

from odoo.exceptions import UserError

from odoo.addons.web.controllers.utils import clean_action

from .common import SMS_VALIDATION, SerialGenCase


class TestValidationEndsDone(SerialGenCase):
    """Every validation the addon makes ends done or raises."""

    def _real_database_sms(self):
        """stock_sms's one-time notice, as a real database shows it: Odoo's
        test mode skips it."""
        self.assertEqual(
            self.env["ir.module.module"]._get("stock_sms").state, "installed"
        )
        self.company.write(SMS_VALIDATION)
        self.company.has_received_warning_stock_sms = False
        self.customer.phone = "+32 470 00 00 00"
        Picking = self.env.registry["stock.picking"]
        return patch.object(
            Picking,
            "_check_warn_sms",
            lambda pickings: pickings.filtered(
                lambda p: p.picking_type_code == "outgoing"
            ),
        )

    def test_reverse_from_the_action_menu(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        action = self.env.ref(
            "everest_serial_gen.account_move_action_reverse_serial_generation"
        )
        result = action.with_context(
            active_model="account.move", active_id=refund.id, active_ids=refund.ids
        ).run()
        # what the web client does with it: it crashed on True
        cleaned = clean_action(result, self.env)
        self.assertEqual(cleaned["tag"], "display_notification")
        self.assertIn(refund.serial_picking_ids.return_ids.name, str(cleaned))
        self.assertEqual(refund.serial_picking_ids.return_ids.state, "done")

    def test_reverse_with_the_sms_notice_of_a_real_database(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        with self._real_database_sms():
            refund.action_reverse_serial_generation()
        returns = refund.serial_picking_ids.return_ids
        self.assertEqual(returns.state, "done")
        self.assertFalse(
            self._quants(refund.serial_lot_ids, self.stock_location).filtered(
                "quantity"
            )
        )
        refund.button_cancel()
        self.assertEqual(refund.state, "cancel")

    def test_dialog_of_another_module_is_an_error_not_a_success(self):
        """A dialog the addon cannot answer (say, product_expiry's) leaves
        the transfer not done: the user gets an error, nothing is kept."""
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        Picking = self.env.registry["stock.picking"]
        dialog = {
            "type": "ir.actions.act_window",
            "res_model": "expiry.picking.confirmation",
        }
        counts = self._counts()
        with patch.object(Picking, "_pre_action_done_hook", lambda self: dialog):
            with self.assertRaisesRegex(UserError, "could not be validated"):
                with self.env.cr.savepoint():
                    self._generate(receipt)
        self.assertEqual(self._counts(), counts)
        self.assertEqual(receipt.state, "assigned")

    def test_backorder_question_is_declined(self):
        """The reversal validates exactly what it returns: no backorder
        question, even where the operation type would always ask."""
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        self.warehouse.out_type_id.create_backorder = "ask"
        Picking = self.env.registry["stock.picking"]
        with patch.object(Picking, "_check_backorder", lambda pickings: pickings):
            refund.action_reverse_serial_generation()
        self.assertEqual(refund.serial_picking_ids.return_ids.state, "done")


class TestPartialReversal(SerialGenCase):
    def _scrap(self, lot, location):
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "scrap_qty": 1,
                "location_id": location.id,
            }
        )
        scrap.action_validate()
        return scrap

    def test_credit_note_returns_what_is_left(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        sold, kept = refund.serial_lot_ids
        scrap = self._scrap(sold, self.stock_location)
        result = refund.action_reverse_serial_generation()
        returns = refund.serial_picking_ids.return_ids
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.move_line_ids.lot_id, kept)
        self.assertFalse(self._quants(kept, self.stock_location).filtered("quantity"))
        self.assertIn(sold.name, result["params"]["message"])
        self.assertIn(
            f"{sold.name} ({scrap.scrap_location_id.display_name})",
            refund.message_ids[0].body,
        )
        self.assertFalse(refund.serial_can_reverse)

    def test_return_sends_back_what_is_left_in_out(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(receipt)
        self.assertTrue(receipt.serial_can_reverse)
        moved, kept = receipt.serial_lot_ids
        self._scrap(moved, self.out_location)
        result = receipt.action_reverse_serial_generation()
        returns = receipt.return_ids
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.move_line_ids.lot_id, kept)
        self.assertEqual(returns.location_dest_id, self.customer_location)
        self.assertIn(moved.name, result["params"]["message"])
        self.assertFalse(receipt.serial_can_reverse)
