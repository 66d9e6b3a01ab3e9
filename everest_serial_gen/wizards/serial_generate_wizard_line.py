from odoo import api, fields, models
from odoo.exceptions import UserError

from ..compat import UOM_PRECISION
from ..tools.serial_names import parse_serial_list


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
        numbering = self.env["serial.numbering"]
        for line in self:
            first = last = False
            names = line._serial_names()
            if names:
                first, last = names[0], names[-1]
            elif line.product_id and line._serial_lot_count():
                company = line.wizard_id.company_id or self.env.company
                sequence = numbering._sequence(company, line.product_id, create=False)
                offset = 0
                for other in line.wizard_id.line_ids:
                    if other == line:
                        break
                    if other._serial_draws_from(sequence, company):
                        offset += other._serial_lot_count()
                first, last = numbering._preview(
                    sequence, line._serial_lot_count(), offset
                )
            line.preview_first, line.preview_last = first, last
            line.preview = first if first == last else f"{first} … {last}"

    def _serial_draws_from(self, sequence, company):
        """Whether OK draws this line's names from ``sequence``."""
        self.ensure_one()
        return (
            self.product_id
            and self._serial_names() is None
            and self.env["serial.numbering"]._sequence(company, self.product_id)
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
            return self.env["serial.numbering"]._first_serial_names(
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
