from odoo import fields, models
from odoo.tools import float_compare


class StockPicking(models.Model):
    """Generate Serial # on customer returns (Everest's credit orders): an
    incoming transfer whose source is a customer location, made with Odoo's
    Return button or entered by hand."""

    _name = "stock.picking"
    _inherit = ["stock.picking", "serial.generate.mixin"]
    _serial_wizard_field = "picking_id"
    _serial_line_field = "stock_move_id"
    _serial_lines_field = "move_ids"

    serial_lot_ids = fields.Many2many(
        "stock.lot",
        "stock_picking_serial_lot_rel",
        "picking_id",
        "lot_id",
        string="Serial Numbers",
        readonly=True,
        copy=False,
        check_company=True,
        help="The serial numbers that Generate Serial # created on this transfer.",
    )
    serial_account_move_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The credit note whose Generate Serial # created this receipt.",
    )

    serial_job_ids = fields.One2many(
        "serial.generation.job",
        "picking_id",
        string="Serial Generation Jobs",
        readonly=True,
    )

    # Hooks of serial.generate.mixin --------------------------------------------

    def _serial_document_error(self):
        self.ensure_one()
        if self.picking_type_code != "incoming" or self.location_id.usage != "customer":
            return self.env._(
                "Generate Serial # only applies to receipts from a customer "
                "location, not to %(document)s.",
                document=self.display_name,
            )
        if self.state in ("done", "cancel"):
            return self.env._(
                "%(document)s is done or cancelled: serial numbers cannot be "
                "generated on it.",
                document=self.display_name,
            )
        return None

    def _serial_default_location(self):
        self.ensure_one()
        return (
            self.picking_type_id.warehouse_id.serial_out_location_id
            or self.company_id.serial_out_location_id
        )

    def _serial_receive(self, lines, location, validate=True):
        """Add one picked line per serial into ``location``, in place of the
        lines without a lot that Odoo's reservation made, then validate when
        every move is covered."""
        self.ensure_one()
        if self.state == "draft":
            self.action_confirm()
        vals_list = []
        moves = self.env["stock.move"]
        for line in lines:
            line.source._serial_release_unlotted_lines(line.quantity)
            move = line.source._serial_move_into(location, line.quantity)
            moves |= move
            vals_list += [
                move._serial_prepare_move_line_vals(lot, line.lot_quantity, location)
                for lot in line.lots
            ]
        self.env["stock.move.line"].create(vals_list)
        moves.filtered(lambda move: move.state == "draft")._action_confirm(merge=False)
        if validate:
            self._serial_validate()
        return self

    def _serial_validate(self):
        """Validate when every move is covered, with serials where tracked;
        otherwise leave the transfer ready and say why in its chatter."""
        missing = self.move_ids.filtered(
            lambda move: move._serial_missing_quantity() > 0
        )
        if missing:
            self.message_post(
                body=self.env._(
                    "The transfer was not validated: %(products)s still lack "
                    "serial numbers or quantities.",
                    products=", ".join(missing.product_id.mapped("display_name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
            return False
        self.move_ids.filtered(lambda move: move.state != "cancel").picked = True
        self.with_context(serial_fast_done=True, skip_backorder=True).button_validate()
        return self.state == "done"

    # Reversal ----------------------------------------------------------------

    def _serial_can_return(self):
        """Whether some of this done transfer is still not returned."""
        self.ensure_one()
        if self.state != "done":
            return False
        return any(
            float_compare(
                move._serial_quantity_to_return(),
                0,
                precision_rounding=move.product_uom.rounding,
            )
            > 0
            for move in self.move_ids.filtered(lambda m: m.state == "done")
        )

    def _serial_check_returnable(self):
        """Refuse, before anything is created, when serials these transfers
        brought in are no longer available where they put them."""
        moves = self.move_ids.filtered(lambda m: m.state == "done" and m.lot_ids)
        # Sudo: the check counts the quants of these serials wherever they
        # are, even in locations the user may not read; it returns no data.
        available = {
            (location, lot): quantity - reserved
            for location, lot, quantity, reserved in self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", moves.lot_ids.ids),
                    ("location_id", "in", moves.move_line_ids.location_dest_id.ids),
                ],
                ["location_id", "lot_id"],
                ["quantity:sum", "reserved_quantity:sum"],
            )
        }
        short = moves.browse()
        for move in moves:
            in_stock = sum(
                available.get((line.location_dest_id, line.lot_id), 0.0)
                for line in move.move_line_ids
            )
            if (
                float_compare(
                    in_stock,
                    move._serial_quantity_to_return(),
                    precision_rounding=move.product_uom.rounding,
                )
                < 0
            ):
                short |= move
        if short:
            raise short._serial_not_returnable_error()

    def _serial_return_all(self):
        """Send everything back with Odoo's own return wizard, which reserves
        exactly the serials these transfers brought in, and validate."""
        self._serial_check_returnable()
        returns = self.browse()
        for picking in self:
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for line in wizard.product_return_moves:
                line.quantity = line.move_id._serial_quantity_to_return()
            new_picking = wizard._create_return()
            # the check above counted; Odoo's reservation has the last word
            short = new_picking.move_ids.filtered(
                lambda m: float_compare(
                    m.quantity,
                    m.product_uom_qty,
                    precision_rounding=m.product_uom.rounding,
                )
                < 0
            )
            if short:
                raise short.origin_returned_move_id._serial_not_returnable_error()
            new_picking.move_ids.picked = True
            new_picking.with_context(skip_backorder=True).button_validate()
            returns |= new_picking
        return returns
