"""What a user meets around Generate Serial # (issue #16): where it shows,
what the wizard says, what OK leads to, the labels and the settings."""

from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import SerialGenCase


@tagged("post_install", "-at_install")
class TestWhereItShows(SerialGenCase):
    def test_button_gone_when_nothing_is_left(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self.assertTrue(refund.serial_can_generate)
        wizard, _action = self._generate(refund)
        self.assertFalse(refund.serial_can_generate)
        # run from the Action menu anyway: a notification says why (#24)
        counts = self._counts()
        action = refund.action_generate_serial()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Nothing is left to generate", action["params"]["message"])
        # the wizard opened before still refuses, and says why
        form = self._wizard_form(refund)
        self.assertNothingCreated(
            form.save().action_generate, message="Nothing is left to generate"
        )
        # a credit note reset to draft has nothing left either
        refund.button_draft()
        self.assertFalse(refund.serial_can_generate)

    def test_filter_serials_to_generate(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        untracked = self._create_credit_note([(self.plain_product, 1)])
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        Move, Picking = self.env["account.move"], self.env["stock.picking"]
        to_generate = Move.search([("serial_can_generate", "=", True)])
        self.assertIn(refund, to_generate)
        self.assertNotIn(untracked, to_generate)
        self.assertIn(receipt, Picking.search([("serial_can_generate", "=", True)]))
        self._generate(refund)
        self.assertNotIn(refund, Move.search([("serial_can_generate", "=", True)]))
        self.assertIn(refund, Move.search([("serial_can_generate", "=", False)]))
        arch = Move.get_views(
            [
                (self.env.ref("account.view_out_credit_note_tree").id, "list"),
                (self.env.ref("account.view_account_invoice_filter").id, "search"),
            ]
        )["views"]
        self.assertIn('name="serial_can_generate"', arch["list"]["arch"])
        self.assertIn('name="serial_to_generate"', arch["search"]["arch"])

    def test_demo_documents_are_named(self):
        for xmlid in ("demo_credit_note", "demo_credit_note_generated"):
            move = self.env.ref(f"everest_serial_gen.{xmlid}", raise_if_not_found=False)
            if move:
                self.assertIn("DEMO", move.ref)
        receipt = self.env.ref(
            "everest_serial_gen.demo_return_receipt", raise_if_not_found=False
        )
        if receipt:
            self.assertIn("DEMO Generate Serial #", receipt.origin)
        by_hand = self.env.ref(
            "everest_serial_gen.demo_return_entered_by_hand", raise_if_not_found=False
        )
        if by_hand:
            # entered on Receipts as a first-time user does: from Vendors
            self.assertIn("DEMO Generate Serial #", by_hand.origin)
            self.assertEqual(by_hand.location_id.usage, "supplier")
            self.assertTrue(by_hand.serial_can_generate)

    def test_buttons_explain_themselves(self):
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn("validated receipt from the customer into the Stock", arch)
        self.assertIn('name="action_view_serial_pickings"', arch)
        arch = self.env["stock.picking"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn("Out location for returns", arch)

    def test_actions_that_do_not_apply_say_so(self):
        """The Action menu offers Print Serial Labels on every document of
        the model, a vendor bill too, and Reverse Serial Generation runs from
        a button: where they do not apply, a notification says what the user
        can do, not an error dialog (#24)."""
        refund = self._create_credit_note([(self.serial_product, 1)])
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        bill = self._create_credit_note(
            [(self.serial_product, 1)], move_type="in_invoice"
        )
        for document, prefix in (
            (refund, "account_move"),
            (bill, "account_move"),
            (receipt, "stock_picking"),
        ):
            for name, words in (
                ("reverse_serial_generation", "no serial generation to reverse"),
                ("print_serial_labels", "no serial numbers"),
            ):
                action = self.env.ref(f"everest_serial_gen.{prefix}_action_{name}")
                counts = self._counts()
                result = action.with_context(
                    active_model=document._name,
                    active_id=document.id,
                    active_ids=document.ids,
                ).run()
                self.assertEqual(self._counts(), counts)
                self.assertEqual(result["tag"], "display_notification", name)
                self.assertEqual(result["params"]["type"], "warning")
                self.assertIn(words, result["params"]["message"])
        # Generate Serial # on a vendor bill: the same
        result = bill.action_generate_serial()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("customer credit notes", result["params"]["message"])


@tagged("post_install", "-at_install")
class TestWizardSays(SerialGenCase):
    def test_quantities_in_the_unit(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        wizard = self._wizard_form(refund).save()
        wizard.line_ids.gen_quantity = 10
        self.assertNothingCreated(
            wizard.action_generate,
            message="10 Units to generate, but only 4 of 4 Units are still without",
        )
        wizard.line_ids.gen_quantity = 1.5
        self.assertNothingCreated(wizard.action_generate, message="not 1.5.")

    def test_where_the_items_go(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        note = self._wizard_form(refund).save().location_note
        self.assertIn(self.stock_location.display_name, note)
        self.assertIn("receipt from the customer", note)
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        note = self._wizard_form(receipt).save().location_note
        self.assertIn(self.out_location.display_name, note)
        self.assertIn(f"Not into {self.stock_location.display_name}", note)

    def test_fewer_names_typed_than_units(self):
        """Typing fewer names than units says before OK that the rest keeps
        no serial (#31), as Odoo's detailed operations show what is left."""
        refund = self._create_credit_note([(self.serial_product, 2)])
        form = self._wizard_form(refund)
        self.assertFalse(form.names_note)
        with form.line_ids.edit(0) as line:
            line.serial_list = "TYPED-1"
        self.assertEqual(form.line_ids.edit(0).gen_quantity, 1)
        self.assertIn(
            "Laptop: names typed for 1 of 2 units. OK leaves the rest without "
            "serial numbers",
            form.names_note,
        )
        with form.line_ids.edit(0) as line:
            line.serial_list = "TYPED-1\nTYPED-2"
        self.assertFalse(form.names_note)
        with form.line_ids.edit(0) as line:
            line.serial_list = "TYPED-1"
        form.save().action_generate()
        self.assertEqual(refund.serial_lot_ids.mapped("name"), ["TYPED-1"])
        # what the note said: the other unit is still to generate
        self.assertTrue(refund.serial_can_generate)

    def test_existing_first_serial_warned_in_preview(self):
        """A First Serial # that exists already is named in the preview's
        warning, before OK refuses it (#31)."""
        self._generate(self._create_credit_note([(self.serial_product, 1)]))
        existing = self.env["stock.lot"].search(
            [("product_id", "=", self.serial_product.id)]
        )
        refund = self._create_credit_note([(self.serial_product, 2)])
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            line.first_serial = existing.name
        self.assertIn(
            f"{existing.name} exist already; OK refuses them", form.names_note
        )
        self.assertNothingCreated(form.save().action_generate, error=ValidationError)

    def test_columns(self):
        line = self.env["serial.generate.wizard.line"]
        self.assertEqual(line._fields["gen_quantity"].string, "To Generate")
        self.assertIn("Gen. Quantity", line._fields["gen_quantity"].help)
        arch = self.env["serial.generate.wizard"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        # what most users need in view, the rest behind the optional
        # columns (#24), as Odoo's detailed operations
        for name in ("product_id", "document_quantity", "attach_lot_ids", "preview"):
            self.assertRegex(arch, f'name="{name}"(?![^>]*optional)')
        self.assertRegex(arch, 'name="gen_quantity"(?![^>]*optional)')
        for name in (
            "serialized_quantity",
            "attach_quantity",
            "attach_scan",
            "first_serial",
            "serial_list",
        ):
            self.assertRegex(arch, f'name="{name}"[^>]*optional="hide"')
        self.assertIn('name="location_note"', arch)
        refund = self._create_credit_note([(self.serial_product, 4)])
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as edit:
            edit.first_serial = "A-1"
            self.assertEqual(edit.preview, "A-1 … A-4")


@tagged("post_install", "-at_install")
class TestAfterOk(SerialGenCase):
    def setUp(self):
        super().setUp()
        self.refund = self._create_credit_note(
            [(self.serial_product, 3), (self.lot_product, 5)]
        )

    def test_result_list_and_notification(self):
        wizard, notification = self._generate(self.refund)
        # Odoo's own notification, then the list of the new serials
        self.assertEqual(notification["tag"], "display_notification")
        self.assertEqual(notification["params"]["type"], "success")
        self.assertEqual(notification["params"]["title"], "Generate Serial #")
        self.assertEqual(
            notification["params"]["message"],
            f"3 serial numbers and 1 lot generated into "
            f"{self.stock_location.display_name}",
        )
        action = self._result(notification)
        self.assertEqual(action["res_model"], "stock.lot")
        self.assertEqual(action["domain"], [("id", "in", wizard.lot_ids.ids)])
        self.assertEqual(
            action["views"][0],
            (
                self.env.ref("everest_serial_gen.stock_lot_view_list_generated").id,
                "list",
            ),
        )
        self.assertNotIn("search_default_group_by_product", action["context"])
        arch = self.env["stock.lot"].get_views([(action["views"][0][0], "list")])[
            "views"
        ]["list"]["arch"]
        self.assertIn('name="action_print_result_labels"', arch)

    def test_print_labels_from_the_result(self):
        wizard, action = self._generate(self.refund)
        action = self._result(action)
        Lot = self.env["stock.lot"]
        # nothing selected: the whole list
        printed = Lot.with_context(
            active_domain=action["domain"]
        ).action_print_result_labels()
        self.assertEqual(printed["res_model"], "lot.label.layout")
        lines = self.env["stock.move.line"].browse(
            printed["context"]["default_move_line_ids"]
        )
        self.assertEqual(lines.lot_id, wizard.lot_ids)
        # a selection: only it
        one = wizard.lot_ids[:1]
        printed = one.action_print_result_labels()
        lines = self.env["stock.move.line"].browse(
            printed["context"]["default_move_line_ids"]
        )
        self.assertEqual(lines.lot_id, one)
        self.assertNothingCreated(Lot.action_print_result_labels, message="Select")

    def test_chatter_counts_serials_and_lots(self):
        self._generate(self.refund)
        body = self.refund.message_ids[0].body
        self.assertIn("generated 3 serial numbers and 1 lot, into", body)
        only_lots = self._create_credit_note([(self.lot_product, 2)])
        self._generate(only_lots)
        self.assertIn("generated 1 lot, into", only_lots.message_ids[0].body)

    def test_receipt_smart_button(self):
        self._generate(self.refund)
        self.assertEqual(self.refund.serial_picking_count, 1)
        action = self.refund.action_view_serial_pickings()
        self.assertEqual(action["res_model"], "stock.picking")
        self.assertEqual(action["res_id"], self.refund.serial_picking_ids.id)

    def test_serial_shows_its_document(self):
        self._generate(self.refund)
        lot = self.refund.serial_lot_ids[:1]
        self.assertEqual(lot.serial_document_ref, self.refund)
        origin = str(lot.serial_origin_html)
        self.assertIn("Generated on</th>", origin)
        self.assertIn(self._link(self.refund), origin)
        self.assertNotIn("Attached by", origin)
        self.assertEqual(lot.serial_origin_partner_id, self.customer)
        self.assertEqual(lot.serial_origin_date, fields.Date.context_today(self.refund))
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        self._generate(receipt)
        lot = receipt.serial_lot_ids
        self.assertEqual(lot.serial_document_ref, receipt)
        self.assertIn(self._link(receipt), str(lot.serial_origin_html))
        self.assertEqual(lot.serial_origin_partner_id, self.customer)

    def test_returned_on_is_the_users_day(self):
        """Just before midnight UTC, a user east of UTC is already on the
        next day: the serial's Returned On is that day, the user's (#29)."""
        user = new_test_user(
            self.env,
            "brussels",
            groups="stock.group_stock_user,account.group_account_invoice",
            tz="Europe/Brussels",
        )
        with freeze_time("2026-12-06 23:30:00"):
            refund = self._create_credit_note([(self.serial_product, 1)])
            form = self._wizard_form(refund, user=user)
            form.save().action_generate()
            lot = refund.serial_lot_ids.with_user(user)
            self.assertEqual(lot.serial_origin_date, date(2026, 12, 7))
            # and the day of a user west of UTC is still the 6th
            west = new_test_user(
                self.env,
                "new_york",
                groups="stock.group_stock_user",
                tz="America/New_York",
            )
            self.assertEqual(lot.with_user(west).serial_origin_date, date(2026, 12, 6))

    def _link(self, record):
        return (
            f"data-oe-model='{record._name}' data-oe-id='{record.id}'>"
            f"{record.display_name}</a>"
        )

    def test_retrieved_serial_has_one_origin(self):
        """Generated on a return, then retrieved by a credit note: one Origin
        group, generated on the return, retrieved by the credit note, one
        customer and one date (#24)."""
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        self._generate(receipt)
        lot = receipt.serial_lot_ids
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        self.assertEqual(refund.serial_lot_ids, lot)
        origin = str(lot.serial_origin_html)
        self.assertEqual(origin.count("<tr>"), 2)
        generated, retrieved = origin.split("</tr>")[:2]
        self.assertIn("Generated on</th>", generated)
        self.assertIn(self._link(receipt), generated)
        self.assertIn("Retrieved by</th>", retrieved)
        self.assertIn(self._link(refund), retrieved)
        self.assertEqual(lot.serial_origin_partner_id, self.customer)
        arch = self.env["stock.lot"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertEqual(arch.count('name="serial_origin_group"'), 1)
        self.assertEqual(arch.count('name="serial_origin_partner_id"'), 1)
        self.assertEqual(arch.count('name="serial_origin_date"'), 1)
        for field in ("serial_customer_id", "serial_generated_date"):
            self.assertNotIn(f'name="{field}"', arch)

    def test_released_serial_says_so(self):
        """A reversal of the credit note lets a retrieved serial go: its
        Origin no longer says the credit note holds it (#31)."""
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        self._generate(receipt)
        lot = receipt.serial_lot_ids
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        refund.action_reverse_serial_generation()
        self.assertFalse(refund.serial_lot_ids)
        lot.invalidate_recordset(["serial_origin_html"])
        origin = str(lot.serial_origin_html)
        self.assertNotIn("Retrieved by</th>", origin)
        self.assertIn("Retrieved, then released by</th>", origin)
        self.assertIn(self._link(refund), origin)
        self.assertIn(self._link(receipt), origin)

    def test_result_words_follow_what_was_done(self):
        """Attached serials are called attached, in the notification, the
        list and the chatter (#24)."""
        attached = self.env["stock.lot"].create(
            {"name": "AT-1", "product_id": self.serial_product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.serial_product, self.customer_location, 1, lot_id=attached
        )
        refund = self._create_credit_note([(self.serial_product, 3)])
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            line.attach_lot_ids.add(attached)
            line.gen_quantity = 2
        wizard = form.save()
        notification = wizard.action_generate()
        self.assertEqual(
            notification["params"]["message"],
            f"2 serial numbers generated and 1 serial number attached into "
            f"{self.stock_location.display_name}",
        )
        self.assertNotIn("Generated", self._result(notification)["name"])
        fields_view = self.env["stock.lot"].fields_get(["serial_job_ids"])
        self.assertEqual(fields_view["serial_job_ids"]["string"], "Documents")
        body = refund.message_ids[0].body
        self.assertIn("generated 2 serial numbers, into", body)
        self.assertIn("attached 1 serial number, into", body)

    def test_labels_print_as_pdf(self):
        """Needs wkhtmltopdf, which make test installs."""
        self._generate(self.refund)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "stock.action_report_lot_label", self.refund.serial_lot_ids.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))


@tagged("post_install", "-at_install")
class TestSettingsWords(SerialGenCase):
    def test_odoo_words(self):
        company = self.env["res.company"]._fields
        self.assertEqual(
            company["serial_stock_location_id"].string,
            "Stock Location for Credit Notes",
        )
        self.assertEqual(
            company["serial_out_location_id"].string, "Out Location for Returns"
        )
        # Odoo's words, not Everest's (#31): the README maps the two
        warehouse = self.env["stock.warehouse"]._fields
        for field in (
            company["serial_stock_location_id"],
            company["serial_out_location_id"],
            warehouse["serial_stock_location_id"],
            warehouse["serial_out_location_id"],
        ):
            for words in ("credit memo", "credit order", "Everest"):
                self.assertNotIn(words, field.help)
        with Form(self.env["res.config.settings"]) as settings:
            self.assertEqual(settings.serial_batch_size, self.company.serial_batch_size)
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn('for="serial_batch_size"', arch)
        self.assertNotIn("Stock location for credit memos", arch)
        ours = self.env.ref("everest_serial_gen.res_config_settings_view_form").arch
        self.assertIn("Serial Number Generation", ours)
        for words in ("credit memo", "credit order", "Everest"):
            self.assertNotIn(words, ours)
