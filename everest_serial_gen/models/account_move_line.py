from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.field_guard import check_addon_fields
from ..tools.move_units import done_returns, done_units
from ..tools.serial_plan import SerialQuantities


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "serial.generate.line.mixin"]

    serial_stock_move_ids = fields.One2many(
        "stock.move",
        "serial_account_move_line_id",
        string="Serial Generation Moves",
        readonly=True,
    )
    serial_retrieved_line_ids = fields.Many2many(
        "stock.move.line",
        "account_move_line_serial_retrieved_rel",
        "account_move_line_id",
        "move_line_id",
        string="Retrieved Returns",
        readonly=True,
        copy=False,
        help="The return receipt lines whose serials this line took as "
        "received, without moving them again.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_addon_fields(self, vals_list, ("serial_retrieved_line_ids",))
        return super().create(vals_list)

    def write(self, vals):
        check_addon_fields(self, [vals], ("serial_retrieved_line_ids",))
        if {"quantity", "product_id", "product_uom_id"}.intersection(vals):
            self._serial_check_still_covered(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_serialized(self):
        # Sudo, here and below: accountants edit credit notes without reading
        # stock; this only compares the line with the serials it brought in.
        for line in self.sudo().filtered("serial_stock_move_ids"):
            if line._serial_own_received() > 0:
                raise line._serial_covered_error()

    def _serial_check_still_covered(self, vals):
        """A line may not shrink below, change the product or flip the sign
        of, the serials generated for it: that stock would lose its
        document, or be billed."""
        for line in self.sudo().filtered("serial_stock_move_ids"):
            serialized = line._serial_own_received()
            if serialized <= 0:
                continue
            product = line.product_id.browse(vals.get("product_id", line.product_id.id))
            uom = line.product_uom_id.browse(
                vals.get("product_uom_id", line.product_uom_id.id)
            )
            signed = vals.get("quantity", line.quantity)
            quantity = uom._compute_quantity(abs(signed), product.uom_id)
            if (
                product != line.product_id
                # a sign flip turns goods that came back into goods billed
                or (signed > 0) != (line.quantity > 0)
                or float_compare(
                    serialized, quantity, precision_rounding=product.uom_id.rounding
                )
                > 0
            ):
                raise line._serial_covered_error()

    def _serial_covered_error(self):
        return UserError(
            self.env._(
                "Serial numbers were generated for %(product)s on %(document)s. "
                "Use Action > Reverse Serial Generation before you reduce, "
                "change or delete the line.",
                product=self.serial_stock_move_ids.product_id[:1].display_name,
                document=self.move_id.display_name,
            )
        )

    def _serial_is_eligible(self):
        """Whether Generate Serial # serves this line: a tracked storable
        product that comes back, i.e. any line of a credit note, and the
        negative-quantity lines of an invoice."""
        self.ensure_one()
        product = self.product_id
        if (
            self.display_type != "product"
            or not product.is_storable
            or product.tracking not in ("serial", "lot")
        ):
            return False
        if self.move_id.move_type == "out_refund":
            return self.quantity > 0
        return self.move_id.move_type == "out_invoice" and self.quantity < 0

    # What comes back, and from where (serial.attach) ---------------------------

    def _serial_receipt_move_vals(self):
        return {"serial_account_move_line_id": self.id}

    def _serial_can_retrieve(self):
        """A credit note may take as received what came back on a return."""
        return True

    def _serial_default_known(self, remaining, taken=None):
        """``(lots, {lot: units})`` the wizard offers to attach, up to
        ``remaining`` units, but what earlier lines took (``taken``): first
        the serials that came back on the customer's return receipts and
        are on no credit note yet, then those the line's deliveries took to
        the customer and that Odoo's Return may still bring back (its
        sale's, with everest_serial_gen_sale)."""
        self.ensure_one()
        taken = taken or {}
        attach = self.env["serial.attach"]
        product = self.product_id
        rounding = product.uom_id.rounding
        deliveries = self._serial_delivery_moves()
        quantities = {}
        for lot, line in attach._return_lines(
            self.move_id.partner_id,
            self.company_id,
            product=product,
            deliveries=deliveries,
            source=self,
        ).items():
            if lot in taken:
                continue
            units = line.quantity_product_uom
            if float_compare(units, remaining, precision_rounding=rounding) <= 0:
                quantities[lot] = units
                remaining -= units
        quantities.update(attach._default_delivered(deliveries, remaining, taken))
        return self.env["stock.lot"].concat(*quantities), quantities

    # How much came back ----------------------------------------------------------

    def _serial_quantities(self):
        """(returned quantity, quantity already received), in the product's
        unit. Received is read from live stock moves: what the line's own
        receipts brought in, and what the return lines it retrieved brought
        in, less what went back to the customer since."""
        self.ensure_one()
        uom = self.product_id.uom_id
        quantity = self.product_uom_id._compute_quantity(abs(self.quantity), uom)
        return SerialQuantities(quantity, self._serial_own_received())

    def _serial_own_received(self):
        """What the line's receipts and its retrieved return lines brought
        in and what is still not sent back."""
        # Sudo: accountants read this without stock rights; quantities only.
        moves = self.sudo().serial_stock_move_ids.filtered(
            lambda move: move.state == "done"
        )
        retrieved = self.sudo().serial_retrieved_line_ids
        return (
            done_units(moves)
            - done_units(done_returns(moves))
            + self._serial_retrieved_units(retrieved)
        )

    @staticmethod
    def _serial_retrieved_units(lines):
        """The units of the retrieved return ``lines`` that no later return
        sent back to the customer."""
        units = 0.0
        for line in lines:
            back = done_returns(line.move_id).move_line_ids.filtered(
                lambda back, line=line: back.lot_id == line.lot_id
            )
            units += max(
                line.quantity_product_uom - sum(back.mapped("quantity_product_uom")),
                0.0,
            )
        return units
