from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from .common import COMPANY_ERROR, SerialGenCase


class TestSecurity(SerialGenCase):
    """Who may generate, and where serials may go, as Odoo's own stock rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create(
            {"name": "Company B", "country_id": cls.company.country_id.id}
        )
        cls.env["account.chart.template"].try_loading(
            cls.company.chart_template, company=cls.company_b, install_demo=False
        )
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)]
        )
        both = [Command.set((cls.company | cls.company_b).ids)]
        cls.invoicing_user = new_test_user(
            cls.env, "invoicing", groups="account.group_account_invoice"
        )
        cls.stock_user = new_test_user(
            cls.env,
            "stock_user",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        cls.stock_admin = new_test_user(
            cls.env,
            "stock_admin",
            groups="stock.group_stock_manager,account.group_account_invoice,"
            # product managers edit products on 19.0, no longer stock managers
            "base.group_erp_manager,product.group_product_manager",
        )
        cls.erp_manager = new_test_user(
            cls.env,
            "erp_manager",
            groups="stock.group_stock_user,base.group_erp_manager",
        )
        cls.multi_user = new_test_user(
            cls.env,
            "multi_company",
            groups="stock.group_stock_user,account.group_account_invoice",
            company_ids=both,
            company_id=cls.company.id,
        )
        cls.refund = cls._create_credit_note([(cls.serial_product, 2)])
        cls.refund_b = cls._create_credit_note_in(
            cls.company_b, [(cls.serial_product, 2)]
        )

    @classmethod
    def _create_credit_note_in(cls, company, lines):
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        move = env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": p.id, "quantity": q, "price_unit": 10}
                    )
                    for p, q in lines
                ],
            }
        )
        move.action_post()
        return move

    def _wizard_as(self, user, document, companies=None):
        env = self.env(user=user)
        if companies:
            env = env(context=dict(env.context, allowed_company_ids=companies.ids))
        return env["serial.generate.wizard"].with_context(
            active_model=document._name, active_id=document.id
        )

    # Rights ------------------------------------------------------------------

    def test_invoicing_only_user(self):
        self.assertNothingCreated(
            lambda: self.refund.with_user(self.invoicing_user).action_generate_serial(),
            error=AccessError,
        )
        self.assertNothingCreated(
            lambda: self._wizard_as(self.invoicing_user, self.refund).create({}),
            error=AccessError,
        )
        self.assertNothingCreated(
            lambda: self.refund.with_user(
                self.invoicing_user
            ).action_reverse_serial_generation(),
            error=AccessError,
        )
        self.assertFalse(
            self.env["serial.generate.wizard"]
            .with_user(self.invoicing_user)
            .has_access("read")
        )

    def test_invoicing_user_still_works_on_credit_notes(self):
        """The addon's fields on the credit note form do not lock out
        invoicing users, who have no Inventory rights."""
        self._wizard_as(self.stock_user, self.refund).create({}).action_generate()
        self.company.serial_batch_size = 1
        refund = self._create_credit_note([(self.serial_product, 3)])
        self._wizard_as(self.stock_user, refund).create({}).action_generate()
        for document in (self.refund, refund):
            form = Form(document.with_user(self.invoicing_user))
            self.assertEqual(form.state, "posted")
        self.assertIn(
            "0 of 3", refund.with_user(self.invoicing_user).serial_job_progress
        )
        draft = self._create_credit_note([(self.serial_product, 1)], post=False)
        with Form(draft.with_user(self.invoicing_user)) as form:
            form.ref = "edited by accounting"
        self._wizard_as(self.stock_user, draft).create({}).action_generate()
        self.assertNothingCreated(
            draft.with_user(self.invoicing_user).button_cancel,
            message="Reverse Serial Generation",
        )
        draft.with_user(self.invoicing_user).action_post()

    def test_inventory_user_generates_and_reverses(self):
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        wizard.action_generate()
        refund = self.refund.with_user(self.stock_user)
        self.assertEqual(len(refund.serial_lot_ids), 2)
        refund.action_reverse_serial_generation()
        self.assertFalse(refund.serial_can_reverse)

    def test_inventory_user_without_read_access_to_the_document(self):
        storekeeper = new_test_user(
            self.env, "storekeeper", groups="stock.group_stock_user"
        )
        self.assertNothingCreated(
            lambda: self._wizard_as(storekeeper, self.refund).create({}),
            error=AccessError,
        )
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        self._wizard_as(storekeeper, receipt).create({}).action_generate()
        self.assertEqual(len(receipt.serial_lot_ids), 1)
        # the addon's fields on a serial's form and list open for the
        # storekeeper, as the web client reads them, even for a serial
        # generated on a credit note he may not read
        self._wizard_as(self.stock_user, self.refund).create({}).action_generate()
        lots = (self.refund.serial_lot_ids | receipt.serial_lot_ids).with_user(
            storekeeper
        )
        ours = {"serial_job_ids", "serial_origin_html", "serial_origin_partner_id"}
        for view_type in ("form", "list"):
            arch = lots.get_views([(False, view_type)])["views"][view_type]["arch"]
            shown = {name for name in ours if f'name="{name}"' in arch}
            spec = {
                name: {"fields": {"display_name": {}}}
                if lots._fields[name].relational
                else {}
                for name in shown
            }
            self.assertTrue(spec)
            self.assertEqual(len(lots.web_read(spec)), len(lots))
        # the credit note shows by name, not as a link he could not follow
        origin = (
            self.refund.serial_lot_ids[:1].with_user(storekeeper).serial_origin_html
        )
        self.assertIn(self.refund.name, str(origin))
        self.assertNotIn("data-oe-model='account.move'", str(origin))
        self.assertIn("<td>", str(origin))
        # the receipt names the credit note it was made for, by name
        picking = self.refund.serial_picking_ids.with_user(storekeeper)
        self.assertEqual(
            picking.web_read({"serial_document_name": {}})[0]["serial_document_name"],
            self.refund.name,
        )
        picking.web_read({"serial_lot_count": {}, "serial_can_generate": {}})

    def test_settings_need_inventory_administrator(self):
        for vals in (
            {"serial_batch_size": 10},
            {"serial_stock_location_id": self.out_location.id},
            {"serial_out_location_id": self.stock_location.id},
            {"serial_sequence_id": False},
        ):
            self.assertNothingCreated(
                lambda vals=vals: self.company.with_user(self.erp_manager).write(vals),
                error=AccessError,
                message="Inventory administrators",
            )
        self.company.with_user(self.stock_admin).write(
            {"serial_batch_size": 10, "serial_stock_location_id": self.out_location.id}
        )
        self.assertEqual(self.company.serial_batch_size, 10)
        self.assertNothingCreated(
            lambda: self.warehouse.with_user(self.stock_user).write(
                {"serial_out_location_id": self.stock_location.id}
            ),
            error=AccessError,
        )
        template = self.serial_product.product_tmpl_id
        sequence = self.env["ir.sequence"].create({"name": "P", "company_id": False})
        self.assertNothingCreated(
            lambda: template.with_user(self.erp_manager).write(
                {"serial_sequence_id": sequence.id}
            ),
            error=AccessError,
        )
        template.with_user(self.stock_admin).serial_sequence_id = sequence
        self.assertEqual(template.serial_sequence_id, sequence)
        self.assertNothingCreated(
            lambda: self.env["product.template"]
            .with_user(self.erp_manager)
            .create({"name": "Sneaky", "serial_sequence_id": sequence.id}),
            error=AccessError,
        )
        self.assertFalse(template.copy().serial_sequence_id)

    def test_settings_values_the_ui_would_refuse(self):
        self.assertNothingCreated(
            lambda: self.company.write({"serial_batch_size": 0}), error=ValidationError
        )
        self.assertNothingCreated(
            lambda: self.warehouse.write(
                {"serial_picking_type_id": self.warehouse.out_type_id.id}
            ),
            error=ValidationError,
        )
        archived = self.env["stock.location"].create(
            {"name": "Old Bin", "location_id": self.stock_location.id, "active": False}
        )
        self.company.serial_stock_location_id = archived
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        self.assertNothingCreated(
            wizard.action_generate, message="active internal location"
        )

    def test_settings_page_for_administrators(self):
        admin = self.env.ref("base.user_admin")
        settings = Form(self.env["res.config.settings"].with_user(admin))
        settings.serial_batch_size = 500
        settings.save().execute()
        self.assertEqual(self.company.serial_batch_size, 500)

    # Multi-company -----------------------------------------------------------

    def test_document_of_company_b_uses_b(self):
        """A user with both companies allowed, working in A, generates on B's
        credit note: B's location, warehouse, sequence; everything in B."""
        self.company_b.serial_sequence_id.prefix = "B-"
        wizard = self._wizard_as(
            self.multi_user, self.refund_b, self.company | self.company_b
        ).create({})
        self.assertEqual(wizard.company_id, self.company_b)
        self.assertEqual(wizard.location_dest_id, self.warehouse_b.lot_stock_id)
        wizard.action_generate()
        refund_b = self.refund_b
        lots = refund_b.serial_lot_ids
        self.assertEqual(len(lots), 2)
        # a shared product's serials have no company, as Odoo stores them
        self.assertFalse(lots.company_id)
        self.assertTrue(all(name.startswith("B-") for name in lots.mapped("name")))
        picking = refund_b.serial_picking_ids
        self.assertEqual(picking.company_id, self.company_b)
        self.assertEqual(picking.picking_type_id.warehouse_id, self.warehouse_b)
        self.assertEqual(picking.move_ids.company_id, self.company_b)
        self.assertEqual(picking.move_line_ids.company_id, self.company_b)
        quants = self._quants(lots, self.warehouse_b.lot_stock_id)
        self.assertEqual(quants.company_id, self.company_b)
        self.assertEqual(sum(quants.mapped("quantity")), 2)
        # and reverses it within B
        env = self.env(user=self.multi_user)
        env = env(
            context=dict(
                env.context, allowed_company_ids=[self.company.id, self.company_b.id]
            )
        )
        refund_b.with_env(env).action_reverse_serial_generation()
        returns = picking.return_ids
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.company_id, self.company_b)
        self.assertEqual(returns.move_line_ids.lot_id, lots)
        self.assertFalse(
            self._quants(lots, self.warehouse_b.lot_stock_id).filtered("quantity")
        )

    def test_defaults_stay_in_the_document_company(self):
        """A user in companies A and B opens Generate Serial # on A's credit
        note: B's return of the same customer and product is not offered
        (#21)."""
        env_b = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.company_b.id])
        )
        receipt_b = self._create_return_receipt(
            [(self.serial_product, 2)], warehouse=self.warehouse_b, env=env_b
        )
        self._generate(receipt_b)
        self.assertEqual(receipt_b.state, "done")
        wizard = self._wizard_as(
            self.multi_user, self.refund, self.company | self.company_b
        ).create({})
        self.assertFalse(wizard.line_ids.attach_lot_ids)
        self.assertEqual(wizard.line_ids.gen_quantity, 2)
        wizard.action_generate()
        self.assertFalse(self.refund.serial_lot_ids & receipt_b.serial_lot_ids)

    def test_document_of_a_company_not_allowed(self):
        self.assertNothingCreated(
            lambda: self._wizard_as(self.stock_user, self.refund_b).create({}),
            error=AccessError,
        )
        self.assertNothingCreated(
            lambda: self._wizard_as(
                self.multi_user, self.refund_b, self.company
            ).create({}),
            error=AccessError,
        )

    def test_location_of_another_company_refused(self):
        wizard = self._wizard_as(
            self.multi_user, self.refund, self.company | self.company_b
        )
        wizard = wizard.create({})
        self.assertNothingCreated(
            lambda: wizard.write(
                {"location_dest_id": self.warehouse_b.lot_stock_id.id}
            ),
            message=COMPANY_ERROR,
        )
        foreign_out = self.warehouse_b.serial_out_location_id
        self.assertNothingCreated(
            lambda: self.warehouse.write({"serial_out_location_id": foreign_out.id}),
        )

    # RPC misuse ----------------------------------------------------------------

    def test_foreign_active_id(self):
        """An active_id of a document the user may not read."""
        self.assertNothingCreated(
            lambda: self._wizard_as(self.stock_user, self.refund_b).create({}),
            error=AccessError,
        )
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        self.assertNothingCreated(
            lambda: wizard.write({"res_id": self.refund_b.id}),
            message="stays on its document",
        )

    def test_line_of_another_document(self):
        other = self._create_credit_note([(self.serial_product, 5)])
        other_wizard = self._wizard_as(self.stock_user, other).create({})
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        wizard.write({"line_ids": [Command.link(other_wizard.line_ids.id)]})
        self.assertNothingCreated(wizard.action_generate, message="does not belong")
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        self.assertNothingCreated(
            lambda: wizard.line_ids.write({"source_id": other.invoice_line_ids.id}),
            message="stays on its document line",
        )
        # and if its column were set anyway, OK refuses it
        self.env.cr.execute(
            "UPDATE serial_generate_wizard_line SET source_id = %s WHERE id = %s",
            [other.invoice_line_ids.id, wizard.line_ids.id],
        )
        wizard.line_ids.invalidate_recordset()
        self.assertNothingCreated(wizard.action_generate, message="does not belong")
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        wizard.line_ids.write({"product_id": self.lot_product.id})
        self.assertNothingCreated(wizard.action_generate)

    def test_negative_quantity_over_rpc(self):
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        wizard.line_ids.write({"gen_quantity": -2})
        self.assertNothingCreated(wizard.action_generate, message="negative")

    def test_someone_elses_wizard(self):
        wizard = self._wizard_as(self.stock_user, self.refund).create({})
        other_user = new_test_user(
            self.env,
            "other_stock_user",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        self.assertNothingCreated(
            wizard.with_user(other_user).action_generate, error=AccessError
        )
        self.assertNothingCreated(
            lambda: wizard.line_ids.with_user(other_user).write({"gen_quantity": 1}),
            error=AccessError,
        )
        own = self._wizard_as(other_user, self.refund).create({})
        self.assertNothingCreated(
            lambda: own.write({"line_ids": [Command.link(wizard.line_ids.id)]}),
            error=AccessError,
        )

    def test_manufacturer_serials_need_write_access(self):
        self._wizard_as(self.stock_user, self.refund).create({}).action_generate()
        lots = self.refund.serial_lot_ids
        self.assertNothingCreated(
            lambda: self.env["serial.manufacturer.wizard"]
            .with_user(self.invoicing_user)
            .with_context(serial_lot_ids=lots.ids)
            .create({}),
            error=AccessError,
        )

    def test_no_cross_company_stock_from_a_foreign_document_line(self):
        """A line of company B's credit note written into A's wizard."""
        wizard = self._wizard_as(
            self.multi_user, self.refund, self.company | self.company_b
        ).create({})
        self.assertNothingCreated(
            lambda: wizard.line_ids.write(
                {"source_id": self.refund_b.invoice_line_ids.id}
            ),
            error=UserError,
        )


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
                {"serial_job_ids": [Command.clear()]}
            )
        with self.assertRaises(AccessError):
            refund.serial_picking_ids.move_ids.with_user(stock_user).write(
                {"serial_source_id": False}
            )
        other = self._create_return_receipt([(self.plain_product, 1)])
        other.button_validate()
        with self.assertRaises(AccessError):
            other.with_user(stock_user).write(
                {"serial_res_model": refund._name, "serial_res_id": refund.id}
            )
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
            "serial_res_model": refund._name,
            "serial_res_id": refund.id,
        }
        lot_vals = {
            "name": "FORGED-1",
            "product_id": self.serial_product.id,
            "serial_job_ids": [Command.set(refund.serial_job_ids.ids)],
        }
        for model, vals in (("stock.picking", picking_vals), ("stock.lot", lot_vals)):
            with self.assertRaisesRegex(AccessError, "Only Generate Serial"):
                self.env[model].with_user(storekeeper).create(vals)


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
            self.env["serial.generation.job"]._serial_runner_step()
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
