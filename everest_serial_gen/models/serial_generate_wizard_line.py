from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round

from .serial_generate_mixin import SOURCE_DOCUMENT_FIELDS
from .stock_lot import parse_serial_list


class SerialGenerateWizardLine(models.TransientModel):
    _name = "serial.generate.wizard.line"
    _description = "Generate Serial # Line"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "serial.generate.wizard", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="wizard_id.company_id")
    account_move_line_id = fields.Many2one(
        "account.move.line",
        string="Credit Note Line",
        readonly=True,
        check_company=True,
    )
    stock_move_id = fields.Many2one(
        "stock.move", string="Return Line", readonly=True, check_company=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, check_company=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    tracking = fields.Selection(related="product_id.tracking")
    document_quantity = fields.Float(
        string="Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        help="The quantity of the document line, in the product's unit.",
    )
    serialized_quantity = fields.Float(
        string="Serialized",
        digits="Product Unit of Measure",
        readonly=True,
        help="The quantity of the line that already has serial numbers.",
    )
    gen_quantity = fields.Float(
        string="Gen. Quantity",
        digits="Product Unit of Measure",
        compute="_compute_gen_quantity",
        store=True,
        readonly=False,
        precompute=True,
        help="How many units get new serial numbers: one serial per unit for a "
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
    preview_first = fields.Char(string="First", compute="_compute_preview")
    preview_last = fields.Char(string="Last", compute="_compute_preview")

    @api.depends("serial_list", "document_quantity", "serialized_quantity")
    def _compute_gen_quantity(self):
        """Default to what is still without serials; a typed list of serials
        sets it to the number of serials typed."""
        for line in self:
            names = parse_serial_list(line.serial_list)
            if names and line.tracking == "serial":
                line.gen_quantity = len(names)
            else:
                line.gen_quantity = max(
                    line.document_quantity - line.serialized_quantity, 0.0
                )

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
            count = line._serial_lot_count()
            names = line._serial_names()
            if names:
                first, last = names[0], names[-1]
            elif names is None and count and line.product_id:
                company = line.wizard_id.company_id or self.env.company
                sequence = Lot._serial_sequence(company, line.product_id, create=False)
                offset = 0
                for other in line.wizard_id.line_ids:
                    if other == line:
                        break
                    if other._serial_draws_from(sequence, company):
                        offset += other._serial_lot_count()
                if sequence:
                    first, last = sequence._serial_preview_names(count, offset)
            line.preview_first, line.preview_last = first, last

    def _serial_draws_from(self, sequence, company):
        """Whether OK draws this line's names from ``sequence``."""
        self.ensure_one()
        return (
            not parse_serial_list(self.serial_list)
            and not self.first_serial
            and self.product_id
            and self.env["stock.lot"]._serial_sequence(company, self.product_id)
            == sequence
        )

    def _serial_source(self):
        """The document line this wizard line serves."""
        self.ensure_one()
        return self.account_move_line_id or self.stock_move_id

    def _serial_lot_count(self):
        """How many lots the line creates."""
        self.ensure_one()
        if self.tracking == "lot":
            return 1 if self.gen_quantity > 0 else 0
        return int(round(self.gen_quantity)) if self.gen_quantity > 0 else 0

    def _serial_check(self, document):
        """Check what the user typed on the line, and that it serves a line of
        ``document``: the client chooses every value of a transient record."""
        self.ensure_one()
        source = self._serial_source()
        if (
            not source
            or (self.account_move_line_id and self.stock_move_id)
            or source[SOURCE_DOCUMENT_FIELDS[source._name]] != document
        ):
            raise UserError(
                self.env._(
                    "A line of the wizard does not belong to %(document)s. Open "
                    "Generate Serial # again from the document.",
                    document=document.display_name,
                )
            )
        # The document checks the products and the quantities left
        # (_serial_check_plan); here, what the user typed.
        product = source.product_id
        rounding = product.uom_id.rounding
        quantity = self.gen_quantity
        if float_compare(quantity, 0, precision_rounding=rounding) < 0:
            raise UserError(
                self.env._(
                    "The Gen. Quantity of %(product)s cannot be negative.",
                    product=product.display_name,
                )
            )
        if product.tracking == "serial" and not float_is_zero(
            quantity - round(quantity), precision_digits=6
        ):
            raise UserError(
                self.env._(
                    "%(product)s is tracked by serial number: its Gen. Quantity "
                    "must be a whole number, not %(quantity)s.",
                    product=product.display_name,
                    quantity=quantity,
                )
            )
        if not float_is_zero(
            quantity - float_round(quantity, precision_rounding=rounding),
            precision_digits=6,
        ):
            raise UserError(
                self.env._(
                    "The Gen. Quantity of %(product)s does not fit the rounding of "
                    "its unit %(unit)s.",
                    product=product.display_name,
                    unit=product.uom_id.display_name,
                )
            )
        names = parse_serial_list(self.serial_list)
        if names and product.tracking == "serial" and len(names) != round(quantity):
            raise UserError(
                self.env._(
                    "%(count)s serial numbers are typed for %(product)s, but its "
                    "Gen. Quantity is %(quantity)s.",
                    count=len(names),
                    product=product.display_name,
                    quantity=quantity,
                )
            )
        if names and product.tracking == "lot" and len(names) > 1:
            raise UserError(
                self.env._(
                    "%(product)s is tracked by lot: it gets one lot, so type one lot "
                    "number for it, not %(count)s.",
                    product=product.display_name,
                    count=len(names),
                )
            )

    def _serial_names(self):
        """The names the user gave: typed ones first, then the First Serial #
        series; None when they come from the sequence, which the wizard
        draws under the product lock."""
        self.ensure_one()
        typed = parse_serial_list(self.serial_list)
        if typed:
            return typed
        if self.first_serial:
            first, count = self.first_serial.strip(), self._serial_lot_count()
            return [
                vals["lot_name"]
                for vals in self.env["stock.lot"].generate_lot_names(first, count)
            ]
        return None
