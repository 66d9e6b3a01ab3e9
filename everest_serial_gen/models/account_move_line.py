from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .serial_plan import SerialQuantities


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    serial_stock_move_ids = fields.One2many(
        "stock.move",
        "serial_account_move_line_id",
        string="Serial Generation Moves",
        readonly=True,
    )

    def write(self, vals):
        if {"quantity", "product_id", "product_uom_id"}.intersection(vals):
            self._serial_check_still_covered(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_serialized(self):
        # Sudo, here and below: accountants edit credit notes without reading
        # stock; this only compares the line with the serials it brought in.
        for line in self.sudo().filtered("serial_stock_move_ids"):
            if line._serial_quantities().serialized > 0:
                raise line._serial_covered_error()

    def _serial_check_still_covered(self, vals):
        """A line may not shrink below, change the product or flip the sign
        of, the serials generated for it: that stock would lose its
        document, or be billed."""
        for line in self.sudo().filtered("serial_stock_move_ids"):
            serialized = line._serial_quantities().serialized
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

    def _serial_quantities(self):
        """(returned quantity, quantity already serialized), in the product's
        unit. Serialized is what our transfers brought in, less what a
        reversal sent back."""
        self.ensure_one()
        uom = self.product_id.uom_id
        quantity = self.product_uom_id._compute_quantity(abs(self.quantity), uom)
        moves = self.serial_stock_move_ids.filtered(lambda m: m.state == "done")
        returns = moves.returned_move_ids.filtered(lambda m: m.state == "done")
        serialized = sum(moves.mapped("product_qty")) - sum(
            returns.mapped("product_qty")
        )
        return SerialQuantities(quantity, serialized)
