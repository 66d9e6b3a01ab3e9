from collections import defaultdict
from typing import NamedTuple

from odoo import models
from odoo.tools import float_compare, float_round

from .serial_plan import PlanLine


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
        from the customer; the retrieved ones are in our stock already. The
        chunks of a background job all fill the job's one receipt."""
        self.ensure_one()
        groups = [
            group for line in lines for group in self._serial_receipt_groups(line)
        ]
        if not groups:
            return self.env["stock.picking"]
        # the document's queued job is the one running this chunk: no other
        # generation may start while it is queued (serial.generator.check)
        job = self._serial_running_jobs()
        if job:
            return self._serial_receive_chunk(job, groups, location)
        picking = self._serial_create_receipt(location)
        moves = self._serial_create_moves(
            [self._serial_prepare_move_vals(picking, group) for group in groups]
        )
        self._serial_create_receipt_lines(moves, groups)
        picking.with_context(
            serial_fast_done=True, cancel_backorder=True
        )._action_done()
        picking._serial_check_done()
        return picking

    def _serial_receive_chunk(self, job, groups, location):
        """Bring a background chunk in with the job's receipt.

        The receipt's open moves hold what the job has yet to bring, one per
        credit note line (``_serial_job_receipt``). A chunk's lots come in
        with moves of their own, taken from that demand and done at once, as
        Odoo's move-level validation does (valuation, quants, the sale
        line's returned quantity): the receipt stays draft with the rest. The
        chunk that brings the last of a line puts its lots on the open move
        itself; the one that brings the last of all validates the receipt as
        the synchronous path does.
        """
        picking = self._serial_job_receipt(job, location)
        rest = {
            move.serial_account_move_line_id: move
            for move in picking.move_ids
            if move.state not in ("done", "cancel")
        }
        moves, new_vals = [], []
        for group in groups:
            remainder = rest.get(group.line.source) if not group.origin else None
            quantity = sum(quantity for _lot, quantity, _source in group.lots)
            rounding = group.line.product.uom_id.rounding
            if remainder and (
                float_compare(
                    quantity, remainder.product_uom_qty, precision_rounding=rounding
                )
                >= 0
            ):
                moves.append(remainder)
                del rest[group.line.source]
                continue
            if remainder:
                remainder.product_uom_qty = float_round(
                    remainder.product_uom_qty - quantity, precision_rounding=rounding
                )
            moves.append(len(new_vals))
            new_vals.append(self._serial_prepare_move_vals(picking, group))
        new = self._serial_create_moves(new_vals)
        moves = [new[move] if isinstance(move, int) else move for move in moves]
        self._serial_create_receipt_lines(moves, groups)
        if rest:
            self.env["stock.move"].concat(*moves).with_context(
                serial_fast_done=True, serial_chunk_done=True
            )._action_done(cancel_backorder=True)
            return picking
        picking.with_context(
            serial_fast_done=True, cancel_backorder=True
        )._action_done()
        picking._serial_check_done()
        return picking

    def _serial_job_receipt(self, job, location):
        """The job's open receipt, created by its first chunk with one open
        move per credit note line for all that the job brings; created again
        for what is left if someone validated or cancelled it meanwhile."""
        picking = job.receipt_id.with_env(self.env)
        if picking.state not in ("done", "cancel", False):
            return picking
        picking = self._serial_create_receipt(location)
        demand = defaultdict(float)
        for line in job.line_ids.with_env(self.env):
            demand[line._source(), line.product_id] += (
                line.count - line.done_count
            ) * line.lot_quantity
        self._serial_create_moves(
            [
                dict(
                    self._serial_prepare_move_vals(
                        picking,
                        ReceiptGroup(
                            PlanLine(source, product, 0, 0.0),
                            self.env["stock.move"],
                            source.sale_line_ids[:1],
                            [],
                        ),
                    ),
                    product_uom_qty=quantity,
                    # Odoo reserves an open receipt move with an empty line
                    # per serial unless it is picked: the chunks bring the
                    # lines, with their lots.
                    picked=True,
                )
                for (source, product), quantity in demand.items()
                if quantity > 0
            ]
        )
        # The open moves stay draft: each chunk lowers their demand, which
        # Odoo logs on a confirmed move as the job's user (who needs an
        # e-mail address for it), 50 notes for 100,000 serials. The last
        # chunk's validation confirms them, as Validate does.
        # Sudo: users read jobs, only the runner writes them.
        job.sudo().receipt_id = picking
        return picking

    def _serial_create_receipt(self, location):
        # Sudo: the receipt and its moves carry the links to the credit note
        # that only the addon may set (field_guard); the user's checks ran in
        # serial.generator, and the records are used as the user below.
        return (
            self.env["stock.picking"]
            .sudo()
            .create(self._serial_prepare_picking_vals(location))
            .with_env(self.env)
        )

    def _serial_create_moves(self, vals_list):
        # Sudo: see _serial_create_receipt.
        return self.env["stock.move"].sudo().create(vals_list).with_env(self.env)

    def _serial_create_receipt_lines(self, moves, groups):
        """One done-to-be line per lot of ``groups``, on their ``moves``."""
        move_lines = self.env["stock.move.line"]._serial_create_batch(
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
                ("product_id", "in", move_lines.product_id.ids),
                ("product_id", "=", False),
            ],
            limit=1,
        ):
            move_lines._apply_putaway_strategy()
        return move_lines

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
