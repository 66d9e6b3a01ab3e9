from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from ..compat import MOVE_HAS_NAME
from ..tools.field_guard import check_addon_fields
from ..tools.serial_plan import SerialQuantities

# The link to the document line a move brings units for: the addon only.
SERIAL_SOURCE_FIELDS = ("serial_source_model", "serial_source_id")
# What a user may not change on a move of a transfer a background job fills
JOB_HELD_MOVE_FIELDS = {
    "product_uom_qty",
    "product_qty",
    "product_uom",
    "product_id",
    "quantity",
    "move_line_ids",
    "picking_id",
    "location_id",
    "location_dest_id",
}


class StockMove(models.Model):
    _name = "stock.move"
    _inherit = ["stock.move", "serial.generate.line.mixin"]

    # the document line whose units this move brings in (a credit note's
    # line), whatever its model
    serial_source_model = fields.Char(
        string="Serial Document Line Model", readonly=True, copy=False, index=True
    )
    serial_source_id = fields.Many2oneReference(
        string="Serial Document Line ID",
        model_field="serial_source_model",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(SERIAL_SOURCE_FIELDS).intersection(vals) for vals in vals_list
        ):
            check_addon_fields(self, vals_list, SERIAL_SOURCE_FIELDS)
        picking_ids = {
            vals["picking_id"] for vals in vals_list if vals.get("picking_id")
        }
        if picking_ids:
            # a background job's transfer takes no move but its own
            self.env["stock.picking"].browse(picking_ids)._serial_check_not_in_job()
        if MOVE_HAS_NAME:
            # 18.0 requires a description, which 19.0 no longer has: the
            # addon, its demo data and tests give none, as on 19.0
            Product = self.env["product.product"]
            for vals in vals_list:
                if not vals.get("name") and vals.get("product_id"):
                    vals["name"] = Product.browse(vals["product_id"]).display_name
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(SERIAL_SOURCE_FIELDS).intersection(vals):
            check_addon_fields(self, [vals], SERIAL_SOURCE_FIELDS)
        if JOB_HELD_MOVE_FIELDS.intersection(vals):
            # a background job's transfer takes exactly its demand
            self.picking_id._serial_check_not_in_job()
        return super().write(vals)

    def _action_assign(self, force_qty=False):
        """Odoo's reservation, but for the moves the addon reserves exactly
        itself (``serial_reserves_itself`` in the context, set only around
        the confirmation of its own transfers): Odoo would reserve any
        serials of the product, which the addon would only take back."""
        if self.env.context.get("serial_reserves_itself"):
            return None
        return super()._action_assign(force_qty=force_qty)

    def _get_available_move_lines(
        self, assigned_moves_ids, partially_available_moves_ids
    ):
        """Odoo's lines of a return move, from what the moves it returns
        brought where: only those of the units a generation brings back,
        when it asks (``serial_assign_only``: {move id: {lot id, or False
        for units without a known lot: units}}), so that Odoo places them
        with their location, package and owner and nothing else."""
        available = super()._get_available_move_lines(
            assigned_moves_ids, partially_available_moves_ids
        )
        only = self.env.context.get("serial_assign_only")
        if not only or self.id not in only:
            return available
        wanted = dict(only[self.id])
        rounding = self.product_id.uom_id.rounding
        restricted = {}
        for key, quantity in available.items():
            lot_id = key[1].id or False
            units = min(quantity, wanted.get(lot_id, 0.0))
            if float_compare(units, 0, precision_rounding=rounding) > 0:
                restricted[key] = units
                wanted[lot_id] -= units
        return restricted

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_serial_job(self):
        """Odoo deletes a transfer's moves before the transfer itself."""
        self.picking_id._serial_check_not_in_job()

    def _serial_reserve_quants(self, quantities):
        """Reserve exactly ``quantities`` (pairs of a quant and the quantity
        to take from it, in the product's unit) on these moves, the one of
        each quant's product, as Odoo's reservation of each does
        (``_update_reserved_quantity`` with the quant's lot, package and
        owner). Returns the quants of which not all could be reserved."""
        moves = self.grouped("product_id")
        failed = []
        for quant, quantity in quantities:
            taken = moves[quant.product_id]._update_reserved_quantity(
                quantity,
                quant.location_id,
                lot_id=quant.lot_id,
                package_id=quant.package_id,
                owner_id=quant.owner_id,
                strict=True,
            )
            rounding = quant.product_id.uom_id.rounding
            if float_compare(taken, quantity, precision_rounding=rounding) < 0:
                failed.append(quant)
        self._recompute_state()
        return self.env["stock.quant"].concat(*failed)

    def _serial_is_eligible(self, document):
        """Whether Generate Serial # serves this move of ``document``'s."""
        self.ensure_one()
        return (
            self.state not in ("done", "cancel")
            and self.product_id.is_storable
            and self.product_id.tracking in ("serial", "lot")
        )

    def _serial_quantities(self, document):
        """(demand, quantity that already has serials), in the product's unit."""
        self.ensure_one()
        serialized = sum(
            line.quantity_product_uom
            for line in self.move_line_ids
            if line.lot_id or line.lot_name
        )
        return SerialQuantities(self.product_qty, serialized)

    # What a return receipt attaches (serial.attach) ---------------------------

    def _serial_delivery_moves(self, document):
        """The delivery this move returns, when Odoo's Return made it: its
        serials come back from there first."""
        self.ensure_one()
        return self.origin_returned_move_id

    def _serial_default_known(self, document, remaining, taken=None):
        """``(lots, {lot: units})`` the wizard offers to attach, up to
        ``remaining`` units but what earlier moves took (``taken``): the
        serials delivered to ``document``'s customer that are still there,
        and that Odoo's Return may bring back; from the delivery this move
        returns, when it returns one."""
        self.ensure_one()
        attach = self.env["serial.attach"]
        deliveries = self._serial_delivery_moves(
            document
        ) or attach._customer_deliveries(
            document.partner_id, document.company_id, self.product_id
        )
        found = attach._default_delivered(deliveries, remaining, taken)
        lots = self.env["stock.lot"].concat(*(lot for lot, _units in found))
        return lots, dict(found)

    def _serial_new_lot_vals(self):
        """What Odoo's receipts put on a new lot that this move brings in,
        but its name: ``stock.move.line._prepare_new_lot_vals`` of one of
        its lines, which other modules extend (product_expiry's dates)."""
        self.ensure_one()
        line = self.env["stock.move.line"].new(
            {
                "picking_id": self.picking_id.id,
                "product_id": self.product_id.id,
                "product_uom_id": self.product_id.uom_id.id,
                "company_id": self.company_id.id,
                "location_id": self.location_id.id,
                "location_dest_id": self.location_dest_id.id,
                "lot_name": self.product_id.display_name,
            }
        )
        vals = line._prepare_new_lot_vals()
        vals.pop("name", None)
        return vals

    def _serial_split_off(self, units):
        """The values of a move for ``units`` (product unit) of this open
        move, chained as it is, with this move's demand lowered by them: a
        background chunk brings them with a move of its own, done at once,
        while this one keeps the rest open."""
        self.ensure_one()
        quantity = self.product_id.uom_id._compute_quantity(
            units, self.product_uom, rounding_method="HALF-UP"
        )
        vals = self.copy_data(self._prepare_move_split_vals(quantity))[0]
        vals.update(
            serial_source_model=self.serial_source_model,
            serial_source_id=self.serial_source_id,
        )
        # Sudo: the open move is the addon's, made in sudo with its links.
        self.sudo().product_uom_qty = float_round(
            self.product_uom_qty - quantity,
            precision_rounding=self.product_uom.rounding,
        )
        return vals

    def _serial_missing_quantity(self):
        """What validation would leave without serials (or without quantity,
        for an untracked product), in the product's unit."""
        self.ensure_one()
        if self.state in ("done", "cancel"):
            return 0.0
        tracked = self.product_id.tracking != "none"
        covered = sum(
            line.quantity_product_uom
            for line in self.move_line_ids
            if not tracked or line.lot_id or line.lot_name
        )
        missing = self.product_qty - covered
        rounding = self.product_id.uom_id.rounding
        return (
            missing
            if float_compare(missing, 0, precision_rounding=rounding) > 0
            else 0.0
        )

    def _serial_release_unlotted_lines(self, quantity):
        """Make room for ``quantity`` (product unit) of new lines with lots.

        Odoo's reservation of an incoming move gives its demand a line
        without a lot. Whatever the lines with lots leave of the demand, after
        ``quantity`` more, is what such lines may keep: the rest is released,
        or validation would ask for their lot.
        """
        self.ensure_one()
        rounding = self.product_id.uom_id.rounding
        unlotted = self.move_line_ids.filtered(
            lambda ml: not ml.lot_id and not ml.lot_name
        )
        lotted = sum((self.move_line_ids - unlotted).mapped("quantity_product_uom"))
        keep = max(self.product_qty - lotted - quantity, 0.0)
        to_unlink = self.env["stock.move.line"]
        for line in unlotted:
            if (
                float_compare(
                    line.quantity_product_uom, keep, precision_rounding=rounding
                )
                <= 0
            ):
                keep -= line.quantity_product_uom
            elif float_compare(keep, 0, precision_rounding=rounding) > 0:
                line.quantity = self.product_id.uom_id._compute_quantity(
                    keep, line.product_uom_id
                )
                keep = 0.0
            else:
                to_unlink |= line
        to_unlink.unlink()

    @api.model
    def _serial_bring_in(self, lines, lots, split=True):
        """The moves that bring the new ``lots`` (one recordset per line) and
        the attached lots of the plan ``lines`` (one chunk of a generation)
        in now, with their lines: the open move of the lines
        (``job_line.move_id``, which lines of one document line and origin
        share) for all it has left, else a move split off it, chained as it
        is (created in one batch); filled as Odoo fills them
        (``_serial_fill``). Returns the moves.

        Without ``split``, every chunk adds its lines to the open move
        itself, for a move that must be done whole (OCA's RMA refuses a
        reception of less than the RMA)."""
        by_open = defaultdict(list)
        for line, line_lots in zip(lines, lots, strict=True):
            by_open[line.job_line.with_env(self.env).move_id].append((line, line_lots))
        moves, split_vals = {}, []
        for open_move, group in by_open.items():
            units = sum(line.moved_quantity for line, _lots in group)
            rounding = open_move.product_id.uom_id.rounding
            whole = (
                float_compare(units, open_move.product_qty, precision_rounding=rounding)
                >= 0
            )
            if not split and not whole:
                open_move._serial_release_unlotted_lines(units)
            if not split or whole:
                moves[open_move] = open_move
                continue
            open_move._serial_release_unlotted_lines(units)
            moves[open_move] = len(split_vals)
            split_vals.append(open_move._serial_split_off(units))
        # Sudo: the split keeps the open move's links to the document, which
        # only the addon sets (field_guard); the generator checked the user.
        split = self.sudo().create(split_vals).with_env(self.env)
        entries = []
        for open_move, group in by_open.items():
            move = moves[open_move]
            move = split[move] if isinstance(move, int) else move
            for line, line_lots in group:
                entries += [(move, lot, line.lot_quantity, None) for lot in line_lots]
                entries += [
                    (move, lot, line.attached_quantities[lot], lot)
                    for lot in line.attached or ()
                ]
        return self._serial_fill(entries)

    def _prepare_merge_moves_distinct_fields(self):
        """Moves that bring the units of different document lines stay
        apart, as Odoo keeps the moves of different sale lines apart."""
        return [
            *super()._prepare_merge_moves_distinct_fields(),
            "serial_source_model",
            "serial_source_id",
        ]

    @api.model
    def _serial_fill(self, entries):
        """Give the moves of ``entries``, which bring units in from where Odoo reserves
        nothing (a customer, a vendor), their lines for ``entries``:
        ``(move, lot, units, came_as)``, a new lot (``came_as`` None) or a
        known one that comes back as the serial ``came_as`` (itself, or the
        serial it replaces).

        Odoo makes the lines, as for its own receipts: confirming a move
        assigns it (``_action_assign``). A move chained to what it returns
        (Odoo's Return) gets its known serials from there, with the location,
        package and owner they were delivered in, restricted to these
        serials (``_get_available_move_lines``); the rest of its demand gets
        lines without a lot, which are then numbered with the new lots and
        the known serials that no chain explains, as Odoo's own Assign
        Serial Numbers numbers them (``_generate_serial_move_line_commands``),
        these from where they are (``stock.lot._serial_stays``). The lines
        are picked, ready to validate.
        """
        by_move = defaultdict(list)
        for move, lot, units, came_as in entries:
            by_move[move].append((lot, units, came_as))
        moves = self.browse().concat(*by_move)
        only = {}
        for move, items in by_move.items():
            wanted = defaultdict(float)
            for _lot, units, came_as in items:
                key = came_as.id if came_as and move.move_orig_ids else False
                wanted[key] += units
            only[move.id] = dict(wanted)
        moves = moves.with_context(serial_assign_only=only)
        # as Odoo's Return: confirmed (which assigns a plain receipt), then
        # assigned (a chained move waits for what it returns until then)
        moves.filtered(lambda move: move.state == "draft")._action_confirm(merge=False)
        moves._action_assign()
        # where the known serials are that no chain places
        stays = {}
        for usage in set(moves.location_id.mapped("usage")):
            came_as = self.env["stock.lot"].concat(
                *(
                    came
                    for move, items in by_move.items()
                    if move.location_id.usage == usage and not move.move_orig_ids
                    for _lot, _units, came in items
                    if came
                )
            )
            stays[usage] = came_as._serial_stays(usage)
        for move, items in by_move.items():
            move = move.with_env(self.env)
            placed = move.move_line_ids.lot_id if move.move_orig_ids else ()
            field_data = [
                move._serial_numbered_line_vals(
                    lot, units, stays[move.location_id.usage].get(came_as)
                )
                for lot, units, came_as in items
                if not (came_as and came_as in placed)
            ]
            missing = [
                came_as.name
                for lot, units, came_as in items
                if came_as and move.move_orig_ids and came_as not in placed
            ]
            if missing:
                raise UserError(
                    self.env._(
                        "Odoo's return of %(transfer)s does not offer %(serials)s: "
                        "it is no longer where its delivery left it.",
                        transfer=move.origin_returned_move_id.picking_id.display_name,
                        serials=", ".join(missing),
                    )
                )
            if field_data:
                lotless = move.move_line_ids.filtered(
                    lambda line: not line.lot_id and not line.lot_name
                )
                move.write(
                    {
                        "move_line_ids": move._generate_serial_move_line_commands(
                            field_data, origin_move_line=lotless[:1]
                        )
                    }
                )
        moves.picked = True
        return moves.with_context(serial_assign_only=None)

    def _serial_numbered_line_vals(self, lot, units, stay):
        """What numbering writes on a line of this move for ``lot``: its
        units in the product's unit; from where ``stay`` says the unit is,
        for a known serial that no chain places."""
        self.ensure_one()
        vals = {
            "lot_id": lot.id,
            "quantity": units,
            "product_uom_id": self.product_id.uom_id.id,
        }
        # The lot exists already: the line holds what its lot says, as Odoo
        # computes a line of a known lot, rather than what Odoo's numbering
        # gives a lot yet to be created (product_expiry's expiration date
        # counted from midnight).
        line_fields = self.env["stock.move.line"]._fields
        for name in self.env["stock.move.line"]._serial_fields_from_lot():
            vals[name] = line_fields[name].convert_to_write(lot[name], lot)
        if stay:
            vals.update(
                location_id=stay.location.id,
                package_id=stay.package.id,
                owner_id=stay.owner.id,
            )
        return vals

    def _serial_done_in_chunk(self):
        """Do these moves, a chunk's, with their transfers, as a user
        validates part of a transfer and keeps the rest: the open moves that
        wait for the next chunks go to a backorder of the transfer (Odoo's
        ``_create_backorder``), then the transfer is validated with the
        chunk's moves only. Each chunk validates its own lines, whatever the
        earlier chunks did (the receipts of serial.generate.mixin,
        serial.chunked.transfer)."""
        for picking, moves in self.grouped("picking_id").items():
            rest = (
                picking.move_ids.filtered(
                    lambda move: move.state not in ("done", "cancel")
                )
                - moves
            )
            if rest:
                # serial_reserves_itself: Odoo would give the open moves lines
                # for all their demand; each chunk takes its own. Sudo: Odoo
                # logs the backorder as the user, which needs an e-mail
                # address the job's user may not have; the moves are the job's.
                picking.sudo().with_context(
                    serial_reserves_itself=True
                )._create_backorder(backorder_moves=rest)
            # skip_sms: as the validation run at once (_serial_validate_done)
            picking.with_context(
                serial_batch=True, cancel_backorder=True, skip_sms=True
            )._action_done()
            picking._serial_check_done()

    def _serial_move_into(self, location, quantity):
        """The move that brings ``quantity`` (product unit) of this one into
        ``location``, where the generated serials go.

        A move line put elsewhere than its move's destination would leave the
        next step of a 2- or 3-step reception waiting for goods that never
        come, so the move itself goes there when all of it gets new serials,
        and a split of it otherwise; the rest keeps Odoo's own route. A split
        is left draft: confirm it once its move lines exist.
        """
        self.ensure_one()
        if self.location_dest_id == location:
            return self
        rounding = self.product_id.uom_id.rounding
        whole = (
            float_compare(quantity, self.product_qty, precision_rounding=rounding) >= 0
        )
        if whole and not self.move_line_ids:
            self.write({"location_dest_id": location.id, "location_final_id": False})
            return self
        return self.create(
            [
                dict(vals, location_dest_id=location.id, location_final_id=False)
                for vals in self._split(quantity)
            ]
        )

    def _serial_not_returnable_error(self):
        """Say which serials of these done moves are no longer where they
        were put, and where they are: a reversal returns them from there."""
        return UserError(
            self.env._(
                "Some serials of %(transfers)s are no longer available where the "
                "transfer put them (%(destination)s), so they cannot all be sent "
                "back: %(serials)s. Move them back there first.",
                transfers=", ".join(self.picking_id.mapped("name")),
                destination=", ".join(
                    self.move_line_ids.location_dest_id.mapped("display_name")
                ),
                serials=self.env["serial.reversal"]._where(
                    self.sudo().move_line_ids.lot_id
                ),
            )
        )
