from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user

from .common import (
    COMPANY_ERROR,
    SerialGenCase,
    valuation,
)


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
            self.assertEqual(lot.serial_job_ids, refund.serial_job_ids)
            self.assertEqual(lot.serial_document_ref, refund)
            # a product shared between companies: no company on its lots,
            # as Odoo's own receipts store them (#22)
            self.assertFalse(lot.company_id)
            self.assertEqual(lot.location_id, self.stock_location)
        picking = refund.serial_picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.location_id, self.customer_location)
        self.assertEqual(picking.location_dest_id, self.stock_location)
        self.assertEqual(picking.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(picking._serial_document(), refund)
        self.assertEqual(len(picking.move_ids), 2)
        self.assertEqual(len(picking.move_line_ids), 4)
        self.assertEqual(
            refund.invoice_line_ids.serial_stock_move_ids, picking.move_ids
        )
        self.assertEqual(
            set(picking.move_ids.mapped("serial_source_model")), {"account.move.line"}
        )
        self.assertEqual(
            self._result(action)["domain"], [("id", "in", wizard.lot_ids.ids)]
        )
        self.assertEqual(self._result(action)["res_model"], "stock.lot")
        self.assertEqual(
            [row[:2] for row in valuation(picking.move_ids)],
            [(3.0, 300.0), (5.0, 500.0)],
        )

        # a second Generate Serial # offers nothing left to generate
        form = self._wizard_form(refund)
        self.assertEqual(form.line_ids._records[0]["gen_quantity"], 0)
        self.assertEqual(form.line_ids._records[1]["gen_quantity"], 0)
        self.assertEqual(form.line_ids._records[0]["serialized_quantity"], 3)
        wizard = form.save()
        counts = self._counts()
        with self.assertRaises(UserError):
            wizard.action_generate()
        self.assertEqual(self._counts(), counts)

    def test_wizard_lines_show_the_document(self):
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.plain_product, 4), (self.lot_product, 1)]
        )
        wizard = self._wizard_form(refund).save()
        self.assertEqual((wizard.res_model, wizard.res_id), (refund._name, refund.id))
        self.assertEqual(wizard.document_name, refund.display_name)
        self.assertEqual(wizard.location_dest_id, self.company.serial_stock_location_id)
        self.assertEqual(
            wizard.line_ids.product_id, self.serial_product | self.lot_product
        )
        line = wizard.line_ids[0]
        self.assertEqual(line.uom_id, self.serial_product.uom_id)
        self.assertEqual(line.document_quantity, 2)
        self.assertEqual(line.serialized_quantity, 0)
        self.assertEqual(line.gen_quantity, 2)

    def test_action_generate_serial_returns_the_wizard(self):
        refund = self._create_credit_note([(self.serial_product, 1)], post=False)
        action = refund.action_generate_serial()
        self.assertEqual(action["res_model"], "serial.generate.wizard")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["active_id"], refund.id)

    def test_negative_lines_of_a_customer_invoice(self):
        invoice = self._create_credit_note(
            [
                (self.serial_product, 5),
                (self.serial_product, -2),
                (self.lot_product, -3),
            ],
            move_type="out_invoice",
        )
        wizard = self._wizard_form(invoice).save()
        self.assertEqual(len(wizard.line_ids), 2)
        self.assertEqual(wizard.line_ids.mapped("document_quantity"), [2, 3])
        wizard.action_generate()
        self.assertEqual(len(invoice.serial_lot_ids), 3)
        quants = self._quants(invoice.serial_lot_ids, self.stock_location)
        self.assertEqual(sum(quants.mapped("quantity")), 5)

    def test_button_only_where_it_applies(self):
        draft = self._create_credit_note([(self.serial_product, 1)], post=False)
        self.assertTrue(draft.serial_can_generate)
        untracked = self._create_credit_note([(self.plain_product, 1)])
        self.assertFalse(untracked.serial_can_generate)
        positive_invoice = self._create_credit_note(
            [(self.serial_product, 1)], move_type="out_invoice"
        )
        self.assertFalse(positive_invoice.serial_can_generate)
        for move_type in ("in_invoice", "in_refund"):
            bill = self._create_credit_note(
                [(self.serial_product, 1)], move_type=move_type
            )
            self.assertFalse(bill.serial_can_generate)
            # run from the Action menu anyway: a notification says why
            action = bill.action_generate_serial()
            self.assertEqual(action["tag"], "display_notification")
        cancelled = self._create_credit_note([(self.serial_product, 1)], post=False)
        cancelled.button_cancel()
        self.assertFalse(cancelled.serial_can_generate)
        action = cancelled.action_generate_serial()
        self.assertIn("cancelled", action["params"]["message"])
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="action_generate_serial"', arch)
        self.assertIn('name="action_view_serials"', arch)
        self.assertIn('name="action_reverse_serial_generation"', arch)

    def test_chatter_logs_the_generation(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        message = refund.message_ids.filtered(
            lambda m: "generated 2 serial numbers" in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertIn(self.env.user.name, message.body)
        self.assertIn(self.stock_location.display_name, message.body)
        for lot in refund.serial_lot_ids:
            self.assertIn(f'data-oe-id="{lot.id}"', message.body)
            self.assertIn(lot.name, message.body)

    def test_serials_show_and_find_their_document(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        found = self.env["stock.lot"].search([("serial_job_ids", "ilike", refund.name)])
        self.assertEqual(found, refund.serial_lot_ids)
        action = refund.action_view_serials()
        self.assertEqual(
            self.env["stock.lot"].search(action["domain"]), refund.serial_lot_ids
        )
        views = self.env["stock.lot"].get_views(
            [(False, "form"), (False, "list"), (False, "search")]
        )
        for view_type in ("list", "search"):
            self.assertIn("serial_job_ids", views["views"][view_type]["arch"])
        self.assertIn("serial_origin_html", views["views"]["form"]["arch"])
        self.assertIn(refund.name, str(refund.serial_lot_ids[:1].serial_origin_html))

    def test_print_labels_with_odoo_lot_labels(self):
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.lot_product, 4)]
        )
        wizard, _action = self._generate(refund)
        for action in (
            refund.action_print_serial_labels(),
            wizard.action_print_labels(),
        ):
            self.assertEqual(action["res_model"], "lot.label.layout")
            layout = Form(
                self.env["lot.label.layout"].with_context(**action["context"])
            )
            layout.label_quantity = "units"
            report = layout.save().process()
            self.assertEqual(report["report_name"], "stock.report_lot_label")
            self.assertEqual(
                sorted(report["context"]["active_ids"]),
                sorted(
                    refund.serial_lot_ids.filtered(
                        lambda lot: lot.product_id == self.serial_product
                    ).ids
                    + 4
                    * refund.serial_lot_ids.filtered(
                        lambda lot: lot.product_id == self.lot_product
                    ).ids
                ),
            )

    def test_configured_operation_type(self):
        return_type = self.warehouse.in_type_id.copy({"name": "Credit Memo Returns"})
        self.warehouse.serial_picking_type_id = return_type
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        self.assertEqual(refund.serial_picking_ids.picking_type_id, return_type)


class TestCreditNoteErrors(SerialGenCase):
    """Bad input gets a clear error and creates nothing."""

    def _wizard(self, refund, **line_values):
        wizard = self._wizard_form(refund).save()
        if line_values:
            wizard.line_ids[0].write(line_values)
        return wizard

    def setUp(self):
        super().setUp()
        self.refund = self._create_credit_note(
            [(self.serial_product, 3), (self.lot_product, 5)]
        )

    def test_negative_quantity(self):
        wizard = self._wizard(self.refund, gen_quantity=-1)
        self.assertNothingCreated(wizard.action_generate, message="cannot be negative")

    def test_zero_on_every_line(self):
        wizard = self._wizard(self.refund)
        wizard.line_ids.gen_quantity = 0
        self.assertNothingCreated(wizard.action_generate, message="Nothing to generate")

    def test_fractional_serials(self):
        wizard = self._wizard(self.refund, gen_quantity=1.5)
        self.assertNothingCreated(wizard.action_generate, message="whole number")

    def test_more_than_still_without_serials(self):
        wizard = self._wizard(self.refund, gen_quantity=4)
        self.assertNothingCreated(
            wizard.action_generate, message="still without serial"
        )

    def test_product_no_longer_tracked(self):
        wizard = self._wizard(self.refund)
        self.serial_product.tracking = "none"
        self.assertNothingCreated(wizard.action_generate, message="no longer")

    def test_product_no_longer_storable(self):
        wizard = self._wizard(self.refund)
        self.lot_product.is_storable = False
        self.assertNothingCreated(wizard.action_generate)

    def test_cancelled_document(self):
        refund = self._create_credit_note([(self.serial_product, 1)], post=False)
        wizard = self._wizard(refund)
        refund.button_cancel()
        self.assertNothingCreated(wizard.action_generate, message="cancelled")
        self.assertNothingCreated(lambda: self._wizard_form(refund))

    def test_other_document_types(self):
        for move_type in ("in_invoice", "in_refund"):
            bill = self._create_credit_note(
                [(self.serial_product, 1)], move_type=move_type
            )
            self.assertNothingCreated(lambda bill=bill: self._wizard_form(bill))
            # a wizard cannot be pointed at the bill over RPC, and if its
            # column were, OK would refuse it too
            wizard = self._wizard(self.refund)
            self.assertNothingCreated(
                lambda wizard=wizard, bill=bill: wizard.write({"res_id": bill.id})
            )
            self.env.cr.execute(
                "UPDATE serial_generate_wizard SET res_id = %s WHERE id = %s",
                [bill.id, wizard.id],
            )
            wizard.invalidate_recordset()
            self.assertNothingCreated(wizard.action_generate)
        entry = self.env["account.move"].create({"move_type": "entry"})
        self.assertNothingCreated(lambda: self._wizard_form(entry))

    def test_no_stock_location_configured(self):
        self.company.serial_stock_location_id = False
        wizard = self._wizard(self.refund)
        self.assertFalse(wizard.location_dest_id)
        self.assertNothingCreated(wizard.action_generate, message="No location")

    def test_location_of_another_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["stock.warehouse"].search(
            [("company_id", "=", other_company.id)]
        )
        wizard = self._wizard(self.refund)
        self.assertNothingCreated(
            lambda: wizard.write({"location_dest_id": foreign.lot_stock_id.id}),
        )
        # written straight into the column, it is still refused at OK
        self.env.cr.execute(
            "UPDATE serial_generate_wizard SET location_dest_id = %s WHERE id = %s",
            [foreign.lot_stock_id.id, wizard.id],
        )
        wizard.invalidate_recordset()
        self.assertNothingCreated(
            wizard.action_generate, message="internal location of"
        )
        # nor can the company's setting point to another company's location
        self.assertNothingCreated(
            lambda: self.company.write(
                {"serial_stock_location_id": foreign.lot_stock_id.id}
            ),
            message=COMPANY_ERROR,
        )

    def test_invoicing_only_user(self):
        accountant = new_test_user(
            self.env, "accountant", groups="account.group_account_invoice"
        )
        self.assertNothingCreated(
            lambda: self.refund.with_user(accountant).action_generate_serial(),
            error=AccessError,
            message="Inventory / User",
        )
        self.assertNothingCreated(
            lambda: self._wizard_form(self.refund, user=accountant), error=AccessError
        )


class TestNothingLost(SerialGenCase):
    def test_cancel_and_delete_refused_while_in_stock_then_reverse(self):
        refund = self._create_credit_note([(self.serial_product, 2)], post=False)
        self._generate(refund)
        lots = refund.serial_lot_ids
        with self.assertRaisesRegex(UserError, "Reverse Serial Generation"):
            refund.button_cancel()
        with self.assertRaisesRegex(UserError, "Reverse Serial Generation"):
            refund.unlink()
        self.assertEqual(refund.state, "draft")

        self.assertTrue(refund.serial_can_reverse)
        refund.action_reverse_serial_generation()
        self.assertFalse(refund.serial_can_reverse)
        returns = refund.serial_picking_ids.return_ids
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.location_dest_id, self.customer_location)
        self.assertFalse(self._quants(lots, self.stock_location).filtered("quantity"))
        self.assertEqual(
            sum(self._quants(lots, self.customer_location).mapped("quantity")), 0
        )
        # the serials are kept, and their history shows both moves
        self.assertEqual(lots.exists(), lots)
        for lot in lots:
            history = self.env["stock.move.line"].search(
                [("lot_id", "=", lot.id), ("state", "=", "done")]
            )
            self.assertEqual(
                sorted(history.mapped("location_dest_id.usage")),
                ["customer", "internal"],
            )
        self.assertIn("reversed", refund.message_ids[0].body)
        refund.button_cancel()
        self.assertEqual(refund.state, "cancel")

    def test_lines_keep_the_serials_they_brought_in(self):
        refund = self._create_credit_note([(self.serial_product, 3)], post=False)
        self._generate(refund, quantities={0: 2})
        line = refund.invoice_line_ids
        for vals in ({"quantity": 1}, {"product_id": self.lot_product.id}):
            self.assertNothingCreated(
                lambda vals=vals: line.write(vals), message="Reverse"
            )
        self.assertNothingCreated(line.unlink, message="Reverse")
        line.quantity = 2
        line.quantity = 4
        self.assertEqual(line._serial_quantities(line.move_id), (4, 2))
        refund.action_reverse_serial_generation()
        line.quantity = 1
        line.unlink()

    def test_reverse_refused_when_serials_left_stock(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        lot = refund.serial_lot_ids
        scrap = self.env["stock.scrap"].create(
            {"product_id": self.serial_product.id, "lot_id": lot.id, "scrap_qty": 1}
        )
        scrap.action_validate()
        error = self.assertNothingCreated(refund.action_reverse_serial_generation)
        where = scrap.scrap_location_id.display_name  # 19.0 has no Scrap location
        self.assertIn(f"{lot.name} ({where})", str(error))

    def test_reverse_without_generation(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        counts = self._counts()
        action = refund.action_reverse_serial_generation()
        self.assertEqual(self._counts(), counts)
        self.assertIn("no serial generation to reverse", action["params"]["message"])


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
