from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.sql_tools import link_many2many, lock_rows


class SerialGenerateWizard(models.TransientModel):
    """Everest's Generate Serial # browser: one line per tracked line of a
    credit note or a customer return, with the quantity to generate.

    It shows and collects; ``serial.generator`` does the work.
    """

    _name = "serial.generate.wizard"
    _description = "Generate Serial #"
    _check_company_auto = True

    # the document, whatever its model (serial.generate.mixin), as
    # mail.activity refers to its record
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True
    )
    document_name = fields.Char(string="Document", compute="_compute_document_name")
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
        "notes, or the Out location configured for returns.",
    )
    location_note = fields.Char(
        string="Where the Items Go",
        compute="_compute_location_note",
        help="What OK does with the items, and where they go.",
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
    offers_validation = fields.Boolean(compute="_compute_offers_validation")
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
    confirm_other_customer = fields.Boolean(
        string="Attach serials of other customers",
        help="Some serials to attach were delivered to another customer: "
        "attach them anyway. The document's chatter logs it.",
    )
    state = fields.Selection(
        [("draft", "To Generate"), ("done", "Generated")],
        default="draft",
        readonly=True,
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Serial Numbers",
        readonly=True,
        check_company=True,
    )
    job_id = fields.Many2one(
        "serial.generation.job",
        string="Generation",
        readonly=True,
        help="What OK did: the record of this generation.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        documents = {m._name: m for m in self._serial_document_models()}
        if model in documents and self.env.context.get("active_id"):
            document = documents[model].browse(self.env.context["active_id"])
            self.env["serial.generator.check"]._check_generatable(document)
            values.update(res_model=document._name, res_id=document.id)
        return values

    @api.model_create_multi
    def create(self, vals_list):
        documents = {m._name for m in self._serial_document_models()}
        if any(
            vals.get("res_model", False) not in documents | {False}
            for vals in vals_list
        ):
            raise UserError(self.env._("Open Generate Serial # from a document."))
        return super().create(vals_list)

    def write(self, vals):
        if {"res_model", "res_id"}.intersection(vals):
            raise UserError(
                self.env._(
                    "A Generate Serial # wizard stays on its document. Open it "
                    "again from the other document."
                )
            )
        return super().write(vals)

    @api.depends("res_model", "res_id")
    def _compute_document_name(self):
        for wizard in self:
            # Sudo: the name of the document the user opened the wizard on
            document = wizard._serial_document()
            wizard.document_name = document.sudo().display_name if document else False

    @api.depends("res_model", "res_id")
    def _compute_offers_validation(self):
        for wizard in self:
            document = wizard._serial_document()
            wizard.offers_validation = bool(
                document and document._serial_offers_validation()
            )

    @api.depends("res_model", "res_id")
    def _compute_company_id(self):
        for wizard in self:
            document = wizard._serial_document()
            wizard.company_id = document.company_id if document else self.env.company

    @api.depends("res_model", "res_id")
    def _compute_location_dest_id(self):
        for wizard in self:
            document = wizard._serial_document()
            wizard.location_dest_id = (
                document._serial_default_location() if document else False
            )

    @api.depends("res_model", "res_id", "location_dest_id")
    def _compute_location_note(self):
        for wizard in self:
            document = wizard._serial_document()
            wizard.location_note = (
                document._serial_destination_note(wizard.location_dest_id)
                if document and wizard.location_dest_id
                else False
            )

    @api.depends("res_model", "res_id")
    def _compute_line_ids(self):
        """One line per eligible document line, computed from the document
        like Odoo's return wizard does, so that it opens filled in."""
        for wizard in self:
            commands = [fields.Command.clear()]
            document = wizard._serial_document()
            # a unit is offered to one line only
            taken = defaultdict(float)
            for source in document._serial_source_lines() if document else []:
                quantity, serialized = source._serial_quantities(document)
                lots, units = source._serial_default_known(
                    document, quantity - serialized, taken
                )
                for lot, count in units.items():
                    taken[lot] += count
                commands.append(
                    fields.Command.create(
                        {
                            "source_model": source._name,
                            "source_id": source.id,
                            "product_id": source.product_id.id,
                            "document_quantity": quantity,
                            "serialized_quantity": serialized,
                            "attach_lot_ids": [fields.Command.set(lots.ids)],
                        }
                    )
                )
            wizard.line_ids = commands

    def _serial_document_models(self):
        return self.env["serial.generate.mixin"]._serial_document_models()

    def _serial_document(self):
        """The wizard's document, or None."""
        self.ensure_one()
        documents = {m._name for m in self._serial_document_models()}
        if self.res_model not in documents or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id)

    # OK ----------------------------------------------------------------------

    def action_generate(self):
        """Create the serials, bring them into the destination and attach
        them to the document, in one transaction: any error creates nothing.

        More serials than the company's batch size are generated in the
        background instead, chunk by chunk. A second submission of the same
        wizard creates nothing more.
        """
        self.ensure_one()
        lock_rows(self)
        if self.state == "done":
            return self._serial_result_action()
        document = self._serial_document()
        if not document:
            raise UserError(self.env._("Open Generate Serial # from a document."))
        job = self.env["serial.generation.job"]._serial_submit(
            self.env["serial.generator"],
            document,
            tuple(
                plan_line
                for line in self.line_ids
                for plan_line in line._serial_plan_lines()
            ),
            location=self.location_dest_id,
            validate=self.validate_transfer,
        )
        self.write({"state": "done", "job_id": job.id})
        if job.state == "queued":
            return job._notification_action()
        link_many2many(self, "lot_ids", job.lot_ids.ids)
        return self._serial_result_action()

    def _serial_result_action(self):
        """The new serials, in a plain list with Print Labels, and a
        notification of what was generated where; or the manufacturer
        step, when asked for."""
        self.ensure_one()
        if self.assign_manufacturer_serials and self.lot_ids:
            return self.lot_ids.action_assign_manufacturer_serials()
        action = self._serial_document().action_view_serials()
        action["domain"] = [("id", "in", self.lot_ids.ids)]
        message = self.env["serial.generator"]._describe_generation(self.job_id)
        list_view = self.env.ref("everest_serial_gen.stock_lot_view_list_generated")
        action.update(
            view_mode="list,form",
            views=[(list_view.id, "list"), (False, "form")],
            context={"create": False},
            # static/src/js/serial_notification_effect.js shows it
            effect={
                "type": "everest_serial_gen_notification",
                "title": self.env._("Generate Serial #"),
                "message": message,
            },
        )
        return action

    def action_print_labels(self):
        self.ensure_one()
        return self.lot_ids.action_print_serial_labels()
