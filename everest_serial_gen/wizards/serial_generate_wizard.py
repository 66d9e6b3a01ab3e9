from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, formatLang

from ..compat import UOM_PRECISION
from ..tools.serial_plan import parse_serial_list
from ..tools.sql_tools import lock_rows


class SerialGenerateWizardLine(models.TransientModel):
    _name = "serial.generate.wizard.line"
    _description = "Generate Serial # Line"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "serial.generate.wizard", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="wizard_id.company_id")
    # the document's line, whatever its model (its document's
    # _serial_lines_field), checked against the document at OK
    source_model = fields.Char(string="Document Line Model", readonly=True)
    source_id = fields.Many2oneReference(
        string="Document Line ID", model_field="source_model", readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, check_company=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    tracking = fields.Selection(related="product_id.tracking")
    document_quantity = fields.Float(
        string="Quantity",
        digits=UOM_PRECISION,
        readonly=True,
        help="The quantity of the document line, in the product's unit.",
    )
    serialized_quantity = fields.Float(
        string="Serialized",
        digits=UOM_PRECISION,
        readonly=True,
        help="The quantity of the line that already has serial numbers.",
    )
    gen_quantity = fields.Float(
        string="To Generate",
        digits=UOM_PRECISION,
        compute="_compute_gen_quantity",
        store=True,
        readonly=False,
        precompute=True,
        help="How many units get new serial numbers (Everest's Gen. Quantity): "
        "one serial per unit for a "
        "product tracked by serial, one lot holding them all for a product "
        "tracked by lot.",
    )
    first_serial = fields.Char(
        string="First Serial #",
        help="Number the serials from this one instead of the sequence: the last "
        "group of digits increments and keeps its padding.",
    )
    serial_list = fields.Text(
        string="Serial Numbers",
        help="Type or paste the serial numbers instead of generating them: one "
        "per line, or separated by tabs or semicolons.",
    )
    attach_lot_ids = fields.Many2many(
        "stock.lot",
        string="Attach",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
        help="Known serials or lots to bring back instead of generating new "
        "ones: those delivered to the customer, or those that came back on a "
        "return receipt (a credit note takes them as received).",
    )
    attach_quantity = fields.Float(
        string="Attach Qty",
        digits=UOM_PRECISION,
        compute="_compute_attach_quantity",
        store=True,
        readonly=False,
        precompute=True,
        help="How many units the known serials or lots bring back: one per "
        "serial; for a lot, what was delivered to the customer and has not "
        "come back yet, up to the line's quantity.",
    )
    attach_scan = fields.Text(
        string="Scan to Attach",
        help="Scan or type known serials, by number or manufacturer's serial, "
        "one per line: they are added to Attach once each.",
    )
    preview_first = fields.Char(string="Preview: First", compute="_compute_preview")
    preview_last = fields.Char(string="Preview: Last", compute="_compute_preview")
    preview = fields.Char(
        compute="_compute_preview",
        help="The first and the last number OK will create, before you confirm.",
    )

    @api.depends("attach_lot_ids", "document_quantity", "serialized_quantity")
    def _compute_attach_quantity(self):
        """One unit per serial; for lots, what they may bring back, up to
        what is still without serials."""
        for line in self:
            line.attach_quantity = self.env["serial.attach"]._known_units(
                line.wizard_id._serial_document(),
                line._serial_found_source(),
                line.attach_lot_ids._origin,
                line.document_quantity - line.serialized_quantity,
            )

    @api.depends(
        "serial_list",
        "document_quantity",
        "serialized_quantity",
        "attach_lot_ids",
        "attach_quantity",
    )
    def _compute_gen_quantity(self):
        """Default to what the document line answers: what is still without
        serials and that the known serials leave; a typed list of serials
        sets it to the number of serials typed."""
        for line in self:
            names = parse_serial_list(line.serial_list)
            if names and line.tracking == "serial":
                line.gen_quantity = len(names)
                continue
            remaining = line.document_quantity - line.serialized_quantity
            source = line._serial_found_source()
            line.gen_quantity = (
                source._serial_default_new_quantity(
                    line.wizard_id._serial_document(),
                    remaining,
                    line.attach_lot_ids._origin,
                    line.attach_quantity,
                )
                if source
                else max(remaining - line.attach_quantity, 0.0)
            )

    @api.onchange("attach_scan")
    def _onchange_attach_scan(self):
        """A barcode scanner types one serial per line: add each found serial
        once, whatever repeats, and say which were not found."""
        if not self.attach_scan or not self.product_id:
            return None
        lots, unknown = self.env["serial.attach"]._find(
            self.product_id, self.company_id or self.env.company, self.attach_scan
        )
        self.attach_lot_ids |= lots
        self.attach_scan = False
        if unknown:
            return {
                "warning": {
                    "title": self.env._("Not found"),
                    "message": self.env._(
                        "No serial of %(product)s is numbered %(names)s.",
                        product=self.product_id.display_name,
                        names=", ".join(unknown),
                    ),
                }
            }
        return None

    @api.depends(
        "gen_quantity",
        "first_serial",
        "serial_list",
        "product_id",
        "wizard_id.line_ids.gen_quantity",
        "wizard_id.line_ids.first_serial",
        "wizard_id.line_ids.serial_list",
    )
    def _compute_preview(self):
        """Show the first and the last number before OK. Lines drawing from
        the same sequence follow each other, as OK will draw them."""
        Lot = self.env["stock.lot"]
        for line in self:
            first = last = False
            names = line._serial_names()
            if names:
                first, last = names[0], names[-1]
            elif line.product_id and line._serial_lot_count():
                company = line.wizard_id.company_id or self.env.company
                sequence = Lot._serial_sequence(company, line.product_id, create=False)
                offset = 0
                for other in line.wizard_id.line_ids:
                    if other == line:
                        break
                    if other._serial_draws_from(sequence, company):
                        offset += other._serial_lot_count()
                first, last = Lot._serial_preview(
                    sequence, line._serial_lot_count(), offset
                )
            line.preview_first, line.preview_last = first, last
            line.preview = first if first == last else f"{first} … {last}"

    def _serial_names_warnings(self):
        """What the preview must say before OK about the names given on this
        line: those that exist already (OK refuses them), and units left
        without a name when fewer names are typed than units to number."""
        self.ensure_one()
        warnings = []
        names = self._serial_names()
        if not names or not self.product_id:
            return warnings
        Lot = self.env["stock.lot"]
        company = Lot._serial_lot_company(
            self.wizard_id.company_id or self.env.company, self.product_id
        )
        taken = Lot._serial_existing_names(company, self.product_id, set(names))
        if taken:
            warnings.append(
                self.env._(
                    "%(product)s: %(names)s exist already; OK refuses them. "
                    "Give other names, or attach the known serials instead.",
                    product=self.product_id.display_name,
                    names=", ".join(sorted(taken)),
                )
            )
        typed = parse_serial_list(self.serial_list)
        left = (
            self.document_quantity
            - self.serialized_quantity
            - self.attach_quantity
            - len(typed)
        )
        if (
            typed
            and self.tracking == "serial"
            and float_compare(left, 0, precision_rounding=self.uom_id.rounding) > 0
        ):
            warnings.append(
                self.env._(
                    "%(product)s: names typed for %(typed)s of %(units)s units. "
                    "OK leaves the rest without serial numbers: type their "
                    "names too, or generate them later.",
                    product=self.product_id.display_name,
                    typed=formatLang(self.env, len(typed), digits=0),
                    units=formatLang(self.env, left + len(typed), digits=0),
                )
            )
        return warnings

    def _serial_draws_from(self, sequence, company):
        """Whether OK draws this line's names from ``sequence``."""
        self.ensure_one()
        return (
            self.product_id
            and self._serial_names() is None
            and self.env["stock.lot"]._serial_sequence(company, self.product_id)
            == sequence
        )

    def _serial_lot_count(self):
        """How many lots the line creates, as the preview counts them."""
        self.ensure_one()
        if self.gen_quantity <= 0:
            return 0
        return 1 if self.tracking == "lot" else int(round(self.gen_quantity))

    def _serial_names(self):
        """The names the user gave: typed ones first, then the First Serial #
        series; None when they come from the sequence."""
        self.ensure_one()
        typed = parse_serial_list(self.serial_list)
        if typed:
            return typed
        if self.first_serial and self.first_serial.strip():
            return self.env["stock.lot"]._serial_first_names(
                self.first_serial, self._serial_lot_count()
            )
        return None

    def write(self, vals):
        if {"source_model", "source_id"}.intersection(vals):
            raise UserError(
                self.env._(
                    "A line of Generate Serial # stays on its document line. Open "
                    "Generate Serial # again from the document."
                )
            )
        return super().write(vals)

    def _serial_found_source(self):
        """The document line this wizard line serves, or None when the
        client set none, or a record of another model."""
        self.ensure_one()
        document = self.wizard_id._serial_document()
        if not document or not self.source_id:
            return None
        model = document._fields[document._serial_lines_field].comodel_name
        if self.source_model != model:
            return None
        return self.env[model].browse(self.source_id)

    def _serial_source(self):
        """The document line this wizard line serves; an error when the
        client set none, or a record of another model."""
        source = self._serial_found_source()
        if source is None:
            raise UserError(
                self.env._(
                    "A line of the wizard does not belong to %(document)s. Open "
                    "Generate Serial # again from the document.",
                    document=self.wizard_id._serial_document().display_name,
                )
            )
        return source

    def _serial_plan_lines(self):
        self.ensure_one()
        return self.env["serial.generator"]._plan_lines(
            self._serial_source(),
            self.gen_quantity,
            self._serial_names(),
            product=self.product_id,
            attach=self.attach_lot_ids,
            attach_quantity=self.attach_quantity,
            document=self.wizard_id._serial_document(),
            confirm_other_customer=self.wizard_id.confirm_other_customer,
        )


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
    names_note = fields.Text(
        string="About the Names",
        compute="_compute_names_note",
        help="What OK will do with the names given: those that exist already, "
        "units left without a name.",
    )
    background_note = fields.Char(
        string="In the Background",
        compute="_compute_background_note",
        help="Whether OK runs the generation in the background, chunk by chunk.",
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
    # what the generation made, read from its record rather than copied
    # (thousands of rows at each big OK)
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Serial Numbers",
        related="job_id.lot_ids",
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
            self.env["serial.generator"]._check_generatable(document)
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

    @api.depends(
        "line_ids.serial_list",
        "line_ids.first_serial",
        "line_ids.gen_quantity",
        "line_ids.attach_quantity",
    )
    def _compute_names_note(self):
        for wizard in self:
            warnings = [
                warning
                for line in wizard.line_ids
                for warning in line._serial_names_warnings()
            ]
            wizard.names_note = "\n".join(warnings) or False

    @api.depends(
        "company_id.serial_batch_size",
        "line_ids.gen_quantity",
        "line_ids.attach_lot_ids",
    )
    def _compute_background_note(self):
        """Say before OK what ``serial.generator`` will decide: more serials
        than the company's batch size run in the background."""
        for wizard in self:
            count = sum(
                line._serial_lot_count() + len(line.attach_lot_ids)
                for line in wizard.line_ids
            )
            wizard.background_note = self.env[
                "serial.generator"
            ]._serial_background_note(wizard.company_id or self.env.company, count)

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
        list_view = self.env.ref("everest_serial_gen.stock_lot_view_list_generated")
        action.update(
            view_mode="list,form",
            views=[(list_view.id, "list"), (False, "form")],
            context={"create": False},
        )
        # Odoo's notification, then the list of the new serials
        return self.env["serial.generate.mixin"]._serial_notification(
            self.env._("Generate Serial #"),
            self.env["serial.generator"]._describe_generation(self.job_id),
            kind="success",
            next=action,
        )

    def action_print_labels(self):
        self.ensure_one()
        return self.lot_ids.action_print_serial_labels()
