from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    serial_stock_move_ids = fields.One2many(
        "stock.move",
        "serial_account_move_line_id",
        string="Serial Generation Moves",
        readonly=True,
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
        return quantity, serialized
