from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .many2many import link_many2many
from .serial_generate_mixin import DOCUMENT_FIELDS, SOURCE_FIELDS


class SerialGenerateWizard(models.TransientModel):
    """Everest's Generate Serial # browser: one line per tracked line of a
    credit note or a customer return, with the quantity to generate."""

    _name = "serial.generate.wizard"
    _description = "Generate Serial #"
    _check_company_auto = True

    account_move_id = fields.Many2one(
        "account.move", string="Credit Note", readonly=True, check_company=True
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Return", readonly=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, precompute=True
    )
    location_dest_id = fields.Many2one(
        "stock.location",
        string="Destination",
        compute="_compute_location_dest_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('usage', '=', 'internal'), ('company_id', '=', company_id)]",
        help="Where the serials go: the Stock location configured for credit "
        "memos, or the Out location configured for credit orders.",
    )
    line_ids = fields.One2many(
        "serial.generate.wizard.line",
        "wizard_id",
        string="Lines",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        precompute=True,
    )
    validate_transfer = fields.Boolean(
        string="Validate the transfer",
        default=True,
        help="Validate the return once every move has its serials. Otherwise it "
        "stays ready.",
    )
    assign_manufacturer_serials = fields.Boolean(
        string="Assign manufacturer serial numbers next",
        help="After OK, type the manufacturer's serial number of each new serial.",
    )
    state = fields.Selection(
        [("draft", "To Generate"), ("done", "Generated")],
        default="draft",
        readonly=True,
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Generated Serial Numbers",
        readonly=True,
        check_company=True,
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        if model in DOCUMENT_FIELDS and self.env.context.get("active_id"):
            document = self.env[model].browse(self.env.context["active_id"])
            document._serial_check_generatable()
            values[DOCUMENT_FIELDS[model]] = document.id
        return values

    def write(self, vals):
        if {"account_move_id", "picking_id"}.intersection(vals):
            raise UserError(
                self.env._(
                    "A Generate Serial # wizard stays on its document. Open it "
                    "again from the other document."
                )
            )
        return super().write(vals)

    @api.depends("account_move_id", "picking_id")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard._serial_document().company_id or self.env.company

    @api.depends("account_move_id", "picking_id")
    def _compute_location_dest_id(self):
        for wizard in self:
            document = wizard._serial_document()
            wizard.location_dest_id = (
                document._serial_default_location() if document else False
            )

    @api.depends("account_move_id", "picking_id")
    def _compute_line_ids(self):
        """One line per eligible document line, computed from the document
        like Odoo's return wizard does, so that it opens filled in."""
        for wizard in self:
            commands = [fields.Command.clear()]
            document = wizard._serial_document()
            for source in document._serial_source_lines() if document else []:
                quantity, serialized = source._serial_quantities()
                commands.append(
                    fields.Command.create(
                        {
                            SOURCE_FIELDS[source._name]: source.id,
                            "product_id": source.product_id.id,
                            "document_quantity": quantity,
                            "serialized_quantity": serialized,
                        }
                    )
                )
            wizard.line_ids = commands

    def _serial_document(self):
        self.ensure_one()
        return self.account_move_id or self.picking_id

    # OK ----------------------------------------------------------------------

    def action_generate(self):
        """Create the serials, bring them into the destination and attach
        them to the document, in one transaction: any error creates nothing.

        More serials than the company's batch size are generated in the
        background instead, chunk by chunk. A second submission of the same
        wizard creates nothing more.
        """
        self.ensure_one()
        self._serial_lock()
        if self.state == "done":
            return self._serial_result_action()
        document = self._serial_document()
        if not document or (self.account_move_id and self.picking_id):
            raise UserError(self.env._("Open Generate Serial # from a document."))
        document._serial_check_generatable()
        document._serial_lock_document()
        document = document.with_company(document.company_id)
        location = self.location_dest_id
        document._serial_check_location(location)
        self = self.with_company(document.company_id)
        lines = self._serial_checked_lines(document)
        count = sum(line._serial_lot_count() for line in lines)
        if count > document.company_id.serial_batch_size:
            plan = self._serial_plan(document, lines, draw=False)
            job = document._serial_queue(plan, location, self.validate_transfer)
            self.write({"state": "done"})
            return job._notification_action()
        plan = self._serial_plan(document, lines)
        lots = document._serial_generate(
            plan, location, validate=self.validate_transfer
        )
        self.state = "done"
        link_many2many(self, "lot_ids", lots.ids)
        return self._serial_result_action()

    def _serial_lock(self):
        """Lock the wizard's row until commit, so that a double click or a
        second submission waits, then finds it done (or, under Odoo's
        repeatable read, is retried by Odoo and then finds it done)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE",
                SQL.identifier(self._table),
                self.id,
            )
        )

    def _serial_checked_lines(self, document):
        """The lines to generate, checked against the document."""
        for line in self.line_ids:
            line._serial_check(document)
        lines = self.line_ids.filtered(lambda line: line._serial_lot_count())
        if not lines:
            raise UserError(
                self.env._(
                    "Nothing to generate: set a Gen. Quantity on at least one line "
                    "of %(document)s.",
                    document=document.display_name,
                )
            )
        return lines

    def _serial_plan(self, document, lines, draw=True):
        """Decide every name, under the product lock: the typed ones are
        checked, the others drawn from the sequence, skipping the typed ones
        too (or left to the background chunks when ``draw`` is False)."""
        company = document.company_id
        plan = [
            {
                "source": line._serial_source(),
                "product": line.product_id,
                "names": line._serial_names(),
                "count": line._serial_lot_count(),
                "lot_quantity": 1.0 if line.tracking == "serial" else line.gen_quantity,
            }
            for line in lines
        ]
        document._serial_check_plan(plan)
        Lot = self.env["stock.lot"]
        Lot._serial_lock_products(set(lines.product_id.ids))
        typed = defaultdict(list)
        for item in plan:
            typed[item["product"]] += item["names"] or []
        for product, names in typed.items():
            Lot._serial_check_names(company, product, names)
        if draw:
            for item in plan:
                if item["names"] is None:
                    item["names"] = Lot._serial_draw_names(
                        company,
                        item["product"],
                        item["count"],
                        taken=typed[item["product"]],
                    )
                    typed[item["product"]] += item["names"]
        return plan

    def _serial_result_action(self):
        """The new serials; or the manufacturer step, when asked for."""
        self.ensure_one()
        if self.assign_manufacturer_serials and self.lot_ids:
            return self.lot_ids.action_assign_manufacturer_serials()
        document = self._serial_document()
        action = document.action_view_serials()
        action["domain"] = [("id", "in", self.lot_ids.ids)]
        return action

    def action_print_labels(self):
        self.ensure_one()
        return self.lot_ids.action_print_serial_labels()
