"""The holes a code review found (issue #13), one test each."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from odoo.addons.web.controllers.utils import clean_action

from .common import PACKAGE_MODEL, SMS_VALIDATION, SerialGenCase


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


class TestFastPathTakesOnlyWhatOdooAccepts(SerialGenCase):
    def test_serial_line_of_two_units(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(receipt, validate_transfer=False)
        line = receipt.move_line_ids[0]
        line.quantity = 2  # as an RPC caller or an import could
        counts = self._counts()
        with self.assertRaisesRegex(
            (UserError, ValidationError), "serial number has already been assigned"
        ):
            with self.env.cr.savepoint():
                receipt.with_context(serial_fast_done=True).button_validate()
        self.assertEqual(self._counts(), counts)

    def test_same_lot_on_a_slow_and_a_fast_line(self):
        receipt = self._create_return_receipt([(self.lot_product, 5)])
        self._generate(receipt, validate_transfer=False)
        line = receipt.move_line_ids
        line.quantity = 3
        package = self.env[PACKAGE_MODEL].create({"name": "BOX"})
        line.copy({"quantity": 2, "result_package_id": package.id})
        receipt.with_context(serial_fast_done=True).button_validate()
        self.assertEqual(receipt.state, "done")
        quants = self.env["stock.quant"].search([("lot_id", "=", line.lot_id.id)])
        keys = [(q.location_id, q.package_id) for q in quants]
        self.assertEqual(len(keys), len(set(keys)), keys)
        self.assertEqual(sorted(quants.mapped("quantity")), [-5.0, 2.0, 3.0])


class TestLinksOnlyTheAddonWrites(SerialGenCase):
    def test_guards_rest_on_links_users_cannot_write(self):
        billing = new_test_user(
            self.env, "billing", groups="account.group_account_invoice"
        )
        stock_user = new_test_user(
            self.env,
            "storekeeper",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        refund = self._create_credit_note([(self.serial_product, 2)], post=False)
        self._generate(refund)
        for user in (billing, stock_user):
            with self.assertRaises(AccessError):
                refund.with_user(user).write({"serial_lot_ids": [Command.clear()]})
        with self.assertRaises(AccessError):
            refund.serial_lot_ids.with_user(stock_user).write(
                {"serial_account_move_ids": [Command.clear()]}
            )
        with self.assertRaises(AccessError):
            refund.serial_picking_ids.move_ids.with_user(stock_user).write(
                {"serial_account_move_line_id": False}
            )
        other = self._create_return_receipt([(self.plain_product, 1)])
        other.button_validate()
        with self.assertRaises(AccessError):
            other.with_user(stock_user).write({"serial_account_move_id": refund.id})
        with self.assertRaisesRegex(UserError, "Reverse Serial Generation"):
            refund.with_user(billing).button_cancel()

    def test_cancel_by_write_is_refused_while_in_stock(self):
        """An invoicing user resets the credit note to draft, then writes
        its state over RPC: the guard holds on the state itself (#22)."""
        billing = new_test_user(
            self.env, "billing_rpc", groups="account.group_account_invoice"
        )
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        refund.with_user(billing).button_draft()
        counts = self._counts()
        with self.assertRaisesRegex(UserError, "Reverse Serial Generation"):
            refund.with_user(billing).write({"state": "cancel"})
        self.assertEqual(refund.state, "draft")
        self.assertEqual(self._counts(), counts)
        self.assertEqual(
            sum(
                self._quants(refund.serial_lot_ids, self.stock_location).mapped(
                    "quantity"
                )
            ),
            2,
        )

    def test_links_refused_at_create(self):
        """A credit note created over RPC naming another credit note's serial
        is refused, as a write of the link is (#22)."""
        billing = new_test_user(
            self.env, "billing_create", groups="account.group_account_invoice"
        )
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(billing).create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer.id,
                    "serial_lot_ids": [Command.set(refund.serial_lot_ids.ids)],
                }
            )
        storekeeper = new_test_user(
            self.env,
            "storekeeper_create",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        picking_vals = {
            "picking_type_id": self.warehouse.in_type_id.id,
            "serial_account_move_id": refund.id,
        }
        lot_vals = {
            "name": "FORGED-1",
            "product_id": self.serial_product.id,
            "serial_account_move_ids": [Command.set(refund.ids)],
        }
        for model, vals in (("stock.picking", picking_vals), ("stock.lot", lot_vals)):
            with self.assertRaisesRegex(AccessError, "Only Generate Serial"):
                self.env[model].with_user(storekeeper).create(vals)


class TestDocumentStaysACreditNote(SerialGenCase):
    def test_switch_type_and_sign_refused_while_in_stock(self):
        refund = self._create_credit_note([(self.serial_product, 5)], post=False)
        self._generate(refund)
        self.assertNothingCreated(refund.action_switch_move_type, message="Reverse")
        self.assertEqual(refund.move_type, "out_refund")
        line = refund.invoice_line_ids
        self.assertNothingCreated(
            lambda: line.write({"quantity": -5}), message="Reverse"
        )
        self.assertEqual(line.quantity, 5)

    def test_serials_in_transit_are_still_in_stock(self):
        refund = self._create_credit_note([(self.serial_product, 1)], post=False)
        self._generate(refund)
        transit = self.env["stock.location"].create(
            {"name": "Truck", "usage": "transit", "company_id": self.company.id}
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": transit.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.serial_product.id,
                            "product_uom_qty": 1,
                            "product_uom": self.serial_product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": transit.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.lot_id = refund.serial_lot_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(refund.serial_lot_ids.location_id, transit)
        with self.assertRaisesRegex(UserError, "Reverse Serial Generation"):
            refund.button_cancel()


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


class TestBackgroundJobs(SerialGenCase):
    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 2
        self.Job = self.env["serial.generation.job"]

    def test_job_skips_names_typed_on_another_line(self):
        sequence = self.company.serial_sequence_id
        numbering = self.env["serial.numbering"]
        first, _last = numbering._preview(sequence, 1)
        _first, second = numbering._preview(sequence, 2)
        refund = self._create_credit_note(
            [(self.serial_product, 3), (self.serial_product, 2)]
        )
        form = self._wizard_form(refund)
        with form.line_ids.edit(1) as line:
            line.serial_list = f"{first}\n{second}"
        form.save().action_generate()
        for _call in range(5):
            self.Job._cron_process()
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.error), ("done", False))  # noqa
        names = refund.serial_lot_ids.mapped("name")
        self.assertEqual(len(set(names)), 5)
        self.assertIn(first, names)


class TestNumbering(SerialGenCase):
    def test_name_from_a_default_is_checked(self):
        Lot = self.env["stock.lot"]
        Lot.create({"name": "DUP-1", "product_id": self.serial_product.id})
        with self.assertRaisesRegex(ValidationError, "DUP-1"):
            Lot.with_context(default_product_id=self.serial_product.id).create(
                {"name": "DUP-1"}
            )

    def test_name_from_the_default_sequence_is_checked(self):
        Lot = self.env["stock.lot"].with_context(
            default_product_id=self.serial_product.id
        )
        taken = Lot.create({}).name
        sequence = self.env["ir.sequence"].search([("code", "=", "stock.lot.serial")])
        sequence.number_next_actual -= 1  # the next default is the same name
        with self.assertRaisesRegex(ValidationError, taken):
            Lot.create({})

    def test_sequence_continues_after_the_highest_number_in_use(self):
        """Serials of the old ERP in the same format, or a reinstall: the
        sequence starts again at 1, and 30 numbers in a row are taken."""
        sequence = self.company.serial_sequence_id
        prefix, _suffix = sequence._get_prefix_suffix()
        start = sequence.number_next_actual
        self.env["stock.lot"].create(
            [
                {
                    "name": f"{prefix}{number:0{sequence.padding}d}",
                    "product_id": self.serial_product.id,
                    "company_id": self.company.id,
                }
                for number in range(start, start + 30)
            ]
        )
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        self.assertEqual(
            refund.serial_lot_ids.name, f"{prefix}{start + 30:0{sequence.padding}d}"
        )
        sequence.invalidate_recordset()
        self.assertEqual(sequence.number_next_actual, start + 31)


class TestReinstall(SerialGenCase):
    def _forget_out_location(self, warehouse):
        # what an uninstall leaves: the location, not the field
        self.env.cr.execute(
            "UPDATE stock_warehouse SET serial_out_location_id = NULL WHERE id = %s",
            [warehouse.id],
        )
        warehouse.invalidate_recordset(["serial_out_location_id"])

    def test_reinstall_reuses_the_out_location(self):
        out = self.out_location
        self._forget_out_location(self.warehouse)
        locations = self.env["stock.location"].with_context(active_test=False)
        count = locations.search_count([])
        self.env["res.company"]._serial_install_defaults()
        self.assertEqual(locations.search_count([]), count)
        self.assertEqual(self.warehouse.serial_out_location_id, out)

    def test_archived_warehouse_stays_archived(self):
        old = self.env["stock.warehouse"].create({"name": "Old", "code": "OLD"})
        old.serial_out_location_id.unlink()
        old.active = False
        self._forget_out_location(old)
        active_before = self.env["stock.location"].search_count(
            [("warehouse_id", "=", old.id)]
        )
        self.env["res.company"]._serial_install_defaults()
        self.assertEqual(
            self.env["stock.location"].search_count([("warehouse_id", "=", old.id)]),
            active_before,
        )
        self.assertFalse(old.active)


class TestUsers(SerialGenCase):
    def test_logging_adds_no_requirement(self):
        """A storekeeper without an e-mail address generates and runs a
        background job; one with read-only access to invoicing generates
        and reverses on a credit note. Odoo's own chatter asks the first for
        an e-mail address, and the second for write access."""
        no_mail = new_test_user(
            self.env,
            "no_mail",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        no_mail.partner_id.email = False
        reader = new_test_user(
            self.env,
            "reader",
            groups="stock.group_stock_user,account.group_account_readonly",
        )
        for user in (no_mail, reader):
            refund = self._create_credit_note([(self.serial_product, 3)])
            self._wizard_form(refund, user=user).save().action_generate()
            self.assertEqual(len(refund.serial_lot_ids), 3)
            self.assertIn("generated 3 serial numbers", refund.message_ids[0].body)
        refund.with_user(reader).action_reverse_serial_generation()
        self.assertEqual(refund.serial_picking_ids.return_ids.state, "done")
        self.assertIn("reversed", refund.message_ids[0].body)
        receipt = self._create_return_receipt([(self.serial_product, 3)])
        self.company.serial_batch_size = 2
        self._wizard_form(receipt, user=no_mail).save().action_generate()
        for _call in range(3):
            self.env["serial.generation.job"]._cron_process()
        job = receipt.serial_job_ids
        self.assertEqual((job.state, job.error), ("done", False))  # noqa
        self.assertEqual(receipt.state, "done")
        self.assertIn("background generation of 3", receipt.message_ids[0].body)

    def test_placeholder_line_is_released(self):
        receipt = self._create_return_receipt([(self.lot_product, 10)])
        placeholder = receipt.move_line_ids
        self.assertEqual((placeholder.quantity, placeholder.lot_id.id), (10, False))
        self.env["stock.move.line"].create(
            {
                "move_id": receipt.move_ids.id,
                "picking_id": receipt.id,
                "product_id": self.lot_product.id,
                "lot_name": "L",
                "quantity": 4,
                "location_id": receipt.location_id.id,
                "location_dest_id": receipt.location_dest_id.id,
            }
        )
        wizard, _action = self._generate(receipt)
        self.assertEqual(wizard.line_ids.gen_quantity, 6)
        self.assertEqual(receipt.state, "done")
        quantities = {
            (line.lot_id.name, line.location_dest_id): line.quantity
            for line in receipt.move_line_ids
        }
        self.assertEqual(
            quantities,
            {
                ("L", self.stock_location): 4,
                (receipt.serial_lot_ids.name, self.out_location): 6,
            },
        )

    def test_manufacturer_lines_are_their_creators_own(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        owner, other = (
            new_test_user(self.env, login, groups="stock.group_stock_user")
            for login in ("mfr_owner", "mfr_other")
        )
        action = refund.serial_lot_ids.action_assign_manufacturer_serials()
        wizard = (
            self.env[action["res_model"]]
            .with_user(owner)
            .with_context(**action["context"])
            .create({})
        )
        wizard.line_ids.read(["manufacturer_serial"])
        with self.assertRaises(AccessError):
            wizard.line_ids.with_user(other).read(["manufacturer_serial"])
