from odoo import models

from odoo.addons.everest_serial_gen.tools.serial_plan import SerialQuantities


class AccountMoveLine(models.Model):
    """A credit note line of a sale: the sale's deliveries are where its
    goods come back from, with Odoo's own Return of them; units nobody
    delivered are not received by default; and what Odoo's own Return of
    the sale brought back already counts as received."""

    _inherit = "account.move.line"

    def _serial_delivery_moves(self, document):
        """The done deliveries of the line's sale lines, in its company,
        oldest first: a return of them brings the line's goods back, as
        Odoo's own Return would."""
        self.ensure_one()
        # Sudo: accountants read this without stock rights; the moves are
        # only used to build the addon's own receipts.
        product, company = self.product_id, self.company_id
        return (
            self.sudo()
            .sale_line_ids.move_ids.filtered(
                lambda move: move.state == "done"
                and move.product_id == product
                and move.company_id == company
                and move.location_dest_id.usage == "customer"
                and move.location_id.usage != "customer"
            )
            .sorted(lambda move: (move.date, move.id))
        )

    def _serial_retrievable(self, document, lines):
        """A return that Odoo counts for another sale line (``to_refund``
        with that line) lowered that sale's delivered quantity: its units
        are that sale's, never this line's."""
        lines = super()._serial_retrievable(document, lines)
        # Sudo: accountants read this without stock rights; lines are only
        # filtered.
        mine = self.sudo().sale_line_ids
        return lines.filtered(
            lambda line: not (
                line.sudo().move_id.to_refund
                and line.sudo().move_id.sale_line_id
                and line.sudo().move_id.sale_line_id not in mine
            )
        )

    def _serial_default_new_quantity(self, document, remaining, lots, known):
        """What the wizard offers to generate: what the known serials leave,
        and, for a sale, no more than what was delivered and has not come
        back: units nobody delivered are not received by default."""
        self.ensure_one()
        free = super()._serial_default_new_quantity(document, remaining, lots, known)
        if not self.sale_line_ids:
            return free
        attach = self.env["serial.attach"]
        deliveries = self._serial_delivery_moves(document)
        delivered = sum(attach._returnable_quantities(deliveries).values())
        known_delivered = sum(
            units
            for (_move, lot), units in attach._returnable_lots(deliveries).items()
            if lot in lots
        )
        return max(min(free, delivered - min(known_delivered, known)), 0.0)

    def _serial_quantities(self, document):
        """What the line's own receipts and retrievals brought in, plus what
        Odoo's own Return of its sale brought back and kept, which no earlier
        credit note line of the same sale took."""
        quantity, own = super()._serial_quantities(document)
        if not self.sale_line_ids:
            return SerialQuantities(quantity, own)
        need = max(quantity - own, 0.0)
        cover = min(max(self._serial_odoo_returns_left(), 0.0), need)
        return SerialQuantities(quantity, own + cover)

    def _serial_odoo_returns_left(self):
        """Units Odoo's own Return brought back on the line's sale lines and
        kept, less what earlier credit note lines of those sale lines needed."""
        # Sudo: accountants read this without stock rights; quantities only.
        sale_lines = self.sudo().sale_line_ids
        returned = sale_lines.move_ids.filtered(
            lambda move: move.state == "done"
            and move.to_refund
            and move.location_id.usage == "customer"
            and move.product_id == self.product_id
            and not move.serial_source_model
        )
        left = self._serial_done_units(returned) - self._serial_done_units(
            self._serial_done_returns(returned)
        )
        earlier = self.search(
            [
                ("sale_line_ids", "in", sale_lines.ids),
                ("product_id", "=", self.product_id.id),
                ("parent_state", "!=", "cancel"),
                ("id", "<", self.id),
            ]
        ).filtered(lambda line: line._serial_is_eligible(line.move_id))
        for line in earlier:
            uom = line.product_id.uom_id
            quantity = line.product_uom_id._compute_quantity(abs(line.quantity), uom)
            left -= max(quantity - line._serial_own_received(), 0.0)
        return left
