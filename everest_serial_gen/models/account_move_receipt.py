from collections import defaultdict
from typing import NamedTuple

from odoo import models


class ReceiptGroup(NamedTuple):
    """One move of a credit note's receipt."""

    line: object  # the PlanLine
    origin: object  # the delivery move it returns, or an empty recordset
    sale_line: object  # the sale line whose delivered quantity it lowers
    lots: list  # (lot, quantity, customer location or None)


class AccountMove(models.Model):
    """The receipt that brings a credit note's serials in: Odoo never moves
    stock from a credit note, so Generate Serial # creates and validates its
    own receipt from the customer into the Stock location."""

    _inherit = "account.move"

    def _serial_receive(self, lines, location, validate=True):
        """Bring the new and the attached serials in with a validated receipt
        from the customer; the retrieved ones are in our stock already."""
        self.ensure_one()
        groups = [
            group for line in lines for group in self._serial_receipt_groups(line)
        ]
        if not groups:
            return self.env["stock.picking"]
        # Sudo: the receipt and its moves carry the links to the credit note
        # that only the addon may set (field_guard); the user's checks ran in
        # serial.generator, and the records are used as the user below.
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(self._serial_prepare_picking_vals(location))
            .with_env(self.env)
        )
        moves = (
            self.env["stock.move"]
            .sudo()
            .create(
                [self._serial_prepare_move_vals(picking, group) for group in groups]
            )
            .with_env(self.env)
        )
        move_lines = self.env["stock.move.line"].create(
            [
                dict(
                    move._serial_prepare_move_line_vals(
                        lot, quantity, move.location_dest_id
                    ),
                    location_id=(source or move.location_id).id,
                )
                for move, group in zip(moves, groups, strict=True)
                for lot, quantity, source in group.lots
            ]
        )
        # Odoo's receipts apply the putaway rules line by line; most databases
        # have none that apply, so skip that loop over thousands of lines.
        if self.env["stock.putaway.rule"].search_count(
            [
                "|",
                ("product_id", "in", moves.product_id.ids),
                ("product_id", "=", False),
            ],
            limit=1,
        ):
            move_lines._apply_putaway_strategy()
        picking.with_context(
            serial_fast_done=True, cancel_backorder=True
        )._action_done()
        picking._serial_check_done()
        return picking

    def _serial_receipt_groups(self, line):
        """The receipt moves of a plan line: one for its new lots, and one per
        delivery its attached lots left on, which it returns as Odoo's own
        Return would (``origin_returned_move_id``), so that the sale line and
        the valuation see a return of that delivery."""
        sale_line = line.source.sale_line_ids[:1]
        groups = []
        if line.lots:
            groups.append(
                ReceiptGroup(
                    line,
                    self.env["stock.move"],
                    sale_line,
                    [(lot, line.lot_quantity, None) for lot in line.lots],
                )
            )
        if line.attached:
            deliveries = self.env["serial.attach"]._last_deliveries(line.attached)
            by_move = defaultdict(list)
            for lot in line.attached:
                delivery = deliveries.get(lot)
                by_move[delivery.move_id if delivery else None].append(
                    (
                        lot,
                        line.attached_quantities[lot],
                        delivery.location_dest_id if delivery else None,
                    )
                )
            for origin, lots in by_move.items():
                origin = origin or self.env["stock.move"]
                groups.append(
                    ReceiptGroup(line, origin, origin.sale_line_id or sale_line, lots)
                )
        return groups

    def _serial_prepare_picking_vals(self, location):
        self.ensure_one()
        warehouse = location.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        partner = self.partner_shipping_id or self.partner_id
        return {
            "partner_id": partner.id,
            "picking_type_id": (
                warehouse.serial_picking_type_id or warehouse.in_type_id
            ).id,
            "location_id": partner.with_company(
                self.company_id
            ).property_stock_customer.id,
            "location_dest_id": location.id,
            "origin": self.name,
            "company_id": self.company_id.id,
            "serial_account_move_id": self.id,
        }

    def _serial_prepare_move_vals(self, picking, group):
        product = group.line.product
        return {
            "product_id": product.id,
            "product_uom_qty": sum(quantity for _lot, quantity, _source in group.lots),
            "product_uom": product.uom_id.id,
            "picking_id": picking.id,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "partner_id": picking.partner_id.id,
            "origin": picking.origin,
            "company_id": picking.company_id.id,
            "picking_type_id": picking.picking_type_id.id,
            "serial_account_move_line_id": group.line.source.id,
            "sale_line_id": group.sale_line.id,
            "to_refund": bool(group.sale_line),
            "origin_returned_move_id": group.origin.id,
        }
