"""The fast paths of moves: the lines of brand-new lots made at once, and
the chosen quants reserved at once, each storing what Odoo's own way
stores, where it gives Odoo's result; Odoo's way (the core's) otherwise."""

from collections import Counter, defaultdict

from odoo import api, models
from odoo.tools import OrderedSet, float_compare

from ..tools.batch import lock_quants


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model
    def _serial_fill(self, entries):
        """The moves of ``entries`` that only receive new lots take the fast
        path (``_serial_fill_at_once``); the others Odoo's assignment, as
        the core fills them."""
        if not self.env["stock.move.line"]._serial_fast_path(len(entries)):
            return super()._serial_fill(entries)
        by_move = {}
        for move, lot, units, came_as in entries:
            by_move.setdefault(move, []).append((lot, units, came_as))
        at_once = self.browse()._serial_fill_at_once(by_move)
        rest = [entry for entry in entries if entry[0] not in at_once]
        return super()._serial_fill(rest) | at_once

    def _serial_fill_at_once(self, by_move):
        """The fast path of ``_serial_fill`` for the moves of ``by_move``
        that only receive new lots, or known serials from where the move
        takes them (``_serial_plainly_from``), or known serials placed
        plainly by the chain to what the move returns
        (``_serial_plain_chains``), have no line yet and take them from
        where Odoo reserves nothing, draft or confirmed (the open move of a
        background generation, which each chunk's backorder confirms
        without lines, brings the last chunk's lots): their lines created
        at once, as copies (``stock.move.line._serial_create_batch``),
        holding what Odoo's assignment and the core's numbering store (the
        values of Odoo's ``_prepare_move_line_vals``, the lot, the quantity
        in the product's unit), and the moves assigned as
        ``_action_assign`` leaves them.
        Returns those moves."""
        stays = self._serial_unchained_stays(by_move)
        chains = self._serial_plain_chains(by_move)
        moves = self.browse().concat(
            *(
                move
                for move, items in by_move.items()
                if not move.move_line_ids
                and move._should_bypass_reservation()
                and (
                    move in chains
                    if move.move_orig_ids
                    else move.state in ("draft", "confirmed")
                    and all(
                        came_as is None or move._serial_plainly_from(stays.get(came_as))
                        for _lot, _units, came_as in items
                    )
                )
            )
        )
        if not moves:
            return moves
        # Odoo's confirmation, without its assignment: the lines come below
        moves.filtered(lambda move: move.state == "draft").with_context(
            serial_reserves_itself=True
        )._action_confirm(merge=False)
        # picked before their lines exist, the moves along a chain: their
        # lines are created picked (stock.move.line.create() takes the
        # move's), where marking the moves afterwards writes every line
        # again (Odoo's _inverse_picked)
        chained = moves.filtered(lambda move: move in chains)
        chained.picked = True
        # the lines along a chain hold their lot's name too: a batch apart
        vals_list, chained_vals_list = [], []
        for move in moves:
            if move in chains:
                # the lines Odoo's assignment makes along the chain, from
                # Odoo's values for each quantity (one for serials)
                base = {}
                for location, lot, units in chains[move]:
                    if units not in base:
                        base[units] = move._prepare_move_line_vals(units)
                    chained_vals_list.append(
                        dict(
                            base[units],
                            location_id=location.id,
                            lot_id=lot.id,
                            lot_name=lot.name,
                            owner_id=False,
                            package_id=False,
                        )
                    )
                continue
            base = move._prepare_move_line_vals()
            vals_list += [
                dict(
                    base,
                    lot_id=lot.id,
                    quantity=units,
                    product_uom_id=move.product_id.uom_id.id,
                )
                for lot, units, _came_as in by_move[move]
            ]
        MoveLine = self.env["stock.move.line"]
        lines = MoveLine._serial_create_batch(
            chained_vals_list
        ) | MoveLine._serial_create_batch(vals_list)
        # what _action_assign writes on the moves it assigned
        moves.write({"state": "assigned"})
        for count, group in (
            moves.filtered(lambda move: move.product_id.tracking == "serial")
            .grouped("product_uom_qty")
            .items()
        ):
            group.next_serial_count = count
        # Odoo's assignment applies the putaway rules line by line; most
        # databases have none that apply: skip that loop over the lines
        if self.env["stock.putaway.rule"].search_count(
            [
                "|",
                ("product_id", "in", lines.product_id.ids),
                ("product_id", "=", False),
            ],
            limit=1,
        ):
            lines._apply_putaway_strategy()
        (moves - chained).picked = True
        return moves

    @api.model
    def _serial_plain_chains(self, by_move):
        """``{move: [(location, lot, units)]}``: the moves of ``by_move``
        chained to what they return (Odoo's Return, the default Attach),
        which only bring back known serials as themselves, all of their
        demand, and which Odoo's assignment places along the chain plainly:
        from the move's own source, without package or owner
        (``_get_available_move_lines``, restricted as the core restricts
        it); each a line of Odoo's, in Odoo's order. A move that returns
        what another move of ``by_move`` also returns is left to Odoo, whose
        assignment counts what the other took."""
        chains = {}
        for move, items in by_move.items():
            if (
                not move.move_orig_ids
                or move.state not in ("draft", "confirmed", "waiting")
                or any(came_as != lot for lot, _units, came_as in items)
                or any(
                    sibling in by_move
                    for sibling in move.move_orig_ids.move_dest_ids - move
                )
            ):
                continue
            wanted = defaultdict(float)
            for lot, units, _came_as in items:
                wanted[lot.id] += units
            rounding = move.product_id.uom_id.rounding
            if float_compare(
                sum(wanted.values()), move.product_qty, precision_rounding=rounding
            ):
                continue
            available = move.with_context(
                serial_assign_only={move.id: dict(wanted)}
            )._get_available_move_lines(OrderedSet(), OrderedSet())
            placed = [
                (location, lot, units)
                for (location, lot, package, owner), units in available.items()
            ]
            if not float_compare(
                sum(units for _location, _lot, units in placed),
                move.product_qty,
                precision_rounding=rounding,
            ) and all(
                location == move.location_id and not (package or owner)
                for location, _lot, package, owner in available
            ):
                chains[move] = placed
        return chains

    @api.model
    def _serial_unchained_stays(self, by_move):
        """``{lot: Stay}`` of the known serials that moves of ``by_move``
        bring back without a chain to what sent them (Receive from Vendor:
        the serial, or the one its replacement replaces), where they are
        now (``stock.lot._serial_stays``)."""
        # ids, not recordsets: a union per serial would copy the set each time
        known = defaultdict(list)
        for move, items in by_move.items():
            if move.move_orig_ids:
                continue
            for _lot, _units, came_as in items:
                if came_as:
                    known[move.location_id.usage] += came_as.ids
        stays = {}
        for usage, lot_ids in known.items():
            lots = self.env["stock.lot"].browse(lot_ids)
            stays.update(lots._serial_stays(usage))
        return stays

    def _serial_plainly_from(self, stay):
        """Whether the line of a known serial that is where ``stay`` says
        holds what a new lot's line of this move holds: the move's own
        source, no package, no owner (the core's numbering would write
        these from the stay, ``_serial_numbered_line_vals``)."""
        self.ensure_one()
        return bool(
            stay
            and not self.move_orig_ids
            and stay.location == self.location_id
            and not stay.package
            and not stay.owner
        )

    def _serial_reserve_quants(self, quantities):
        """The pairs of ``quantities`` that allow it are reserved at once:
        their lines built by Odoo's own ``_prepare_move_line_vals``,
        created as copies of the first (tools/batch.py), and their reserved
        quantity written in one write() per value. That is Odoo's result for
        a quant without package or owner that holds the quantity unreserved,
        that this transaction can lock, with no quant of the product without
        lot beside it (whose date Odoo would give it), on a move without
        lines yet; the others take Odoo's way (the core's)."""
        if not self.env["stock.move.line"]._serial_fast_path(len(quantities)):
            return super()._serial_reserve_quants(quantities)
        moves = self.grouped("product_id")
        at_once = self._serial_reservable_at_once(quantities)
        if at_once:
            vals_list = []
            for quant, quantity in at_once.items():
                move = moves[quant.product_id]
                if move.product_id.tracking == "serial" and (
                    move.picking_type_id.use_create_lots
                    or move.picking_type_id.use_existing_lots
                ):
                    vals_list += move._add_serial_move_line_to_vals_list(
                        quant, quantity
                    )
                else:
                    vals_list.append(
                        move._prepare_move_line_vals(
                            quantity=quantity, reserved_quant=quant
                        )
                    )
            self.env["stock.move.line"]._serial_create_reserved(vals_list, at_once)
        return super()._serial_reserve_quants(
            [
                (quant, quantity)
                for quant, quantity in quantities
                if quant not in at_once
            ]
        )

    def _serial_reservable_at_once(self, quantities):
        """``{quant: quantity}`` of the pairs of ``quantities`` that
        _serial_reserve_quants reserves at once: see there."""
        MoveLine = self.env["stock.move.line"]
        if not MoveLine._serial_fast_done_supported(inserts=False) or any(
            move.move_line_ids or move.state in ("done", "cancel") for move in self
        ):
            return {}
        quants = self.env["stock.quant"].concat(*(quant for quant, _qty in quantities))
        # Sudo: whether a quant without lot lies beside decides the path,
        # whatever the user may read; nothing is returned to the user.
        untracked = set(
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", quants.product_id.ids),
                    ("location_id", "in", quants.location_id.ids),
                    ("lot_id", "=", False),
                    ("package_id", "=", False),
                    ("owner_id", "=", False),
                ],
                ["product_id", "location_id"],
            )
        )
        locked = lock_quants(quants)
        products = set(self.product_id)
        counts = Counter(quant for quant, _qty in quantities)

        def takes(quant, quantity):
            rounding = quant.product_id.uom_id.rounding
            free = quant.quantity - quant.reserved_quantity
            return (
                float_compare(quantity, 0, precision_rounding=rounding) > 0
                and float_compare(free, quantity, precision_rounding=rounding) >= 0
                and (
                    quant.product_id.tracking != "serial"
                    or float_compare(quantity, 1, precision_rounding=rounding) == 0
                )
            )

        return {
            quant: quantity
            for quant, quantity in quantities
            if quant.product_id in products
            and counts[quant] == 1
            and quant.lot_id
            and not (quant.package_id or quant.owner_id)
            and quant.id in locked
            and (quant.product_id, quant.location_id) not in untracked
            and takes(quant, quantity)
        }
