from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .field_guard import check_addon_fields
from .serial_plan import SerialQuantities


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

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

    def _serial_quantities(self):
        """(returned quantity, quantity already received), in the product's
        unit. Received is what our receipts brought in, less what a reversal
        sent back; what came back on a return receipt and was taken for this
        line; and what Odoo's own Return of the line's deliveries brought
        back, which no earlier credit note line of the same sale took."""
        self.ensure_one()
        uom = self.product_id.uom_id
        quantity = self.product_uom_id._compute_quantity(abs(self.quantity), uom)
        own = self._serial_own_received()
        cover = 0.0
        if self.sale_line_ids:
            need = max(quantity - own, 0.0)
            cover = min(max(self._serial_odoo_returns_left(), 0.0), need)
        return SerialQuantities(quantity, own + cover)

    def _serial_own_received(self):
        """What our receipts and the retrieved return lines brought in."""
        moves = self.serial_stock_move_ids.filtered(lambda m: m.state == "done")
        returns = moves.returned_move_ids.filtered(lambda m: m.state == "done")
        retrieved = self.sudo().serial_retrieved_line_ids
        return (
            sum(moves.mapped("product_qty"))
            - sum(returns.mapped("product_qty"))
            + sum(retrieved.mapped("quantity_product_uom"))
        )

    def _serial_odoo_returns_left(self):
        """Units Odoo's own Return brought back on the line's sale lines, less
        what earlier credit note lines of those sale lines needed."""
        # Sudo: accountants read this without stock rights; quantities only.
        sale_lines = self.sudo().sale_line_ids
        returned = sale_lines.move_ids.filtered(
            lambda move: move.state == "done"
            and move.to_refund
            and move.location_id.usage == "customer"
            and move.product_id == self.product_id
            and not move.serial_account_move_line_id
        )
        left = sum(returned.mapped("product_qty"))
        earlier = self.search(
            [
                ("sale_line_ids", "in", sale_lines.ids),
                ("product_id", "=", self.product_id.id),
                ("parent_state", "!=", "cancel"),
                ("id", "<", self.id),
            ]
        ).filtered(lambda line: line._serial_is_eligible())
        for line in earlier:
            uom = line.product_id.uom_id
            quantity = line.product_uom_id._compute_quantity(abs(line.quantity), uom)
            left -= max(quantity - line._serial_own_received(), 0.0)
        return left
