from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from ..compat import MOVE_HAS_NAME
from ..tools.field_guard import check_addon_fields
from ..tools.serial_plan import SerialQuantities
from ..tools.sql_tools import lock_quants

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

    serial_account_move_line_id = fields.Many2one(
        "account.move.line",
        string="Credit Note Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The credit note or invoice line whose serials this move brought in.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_addon_fields(self, vals_list, ("serial_account_move_line_id",))
        if MOVE_HAS_NAME:
            # 18.0 requires a description, which 19.0 no longer has: the
            # addon, its demo data and tests give none, as on 19.0
            Product = self.env["product.product"]
            for vals in vals_list:
                if not vals.get("name") and vals.get("product_id"):
                    vals["name"] = Product.browse(vals["product_id"]).display_name
        return super().create(vals_list)

    def write(self, vals):
        check_addon_fields(self, [vals], ("serial_account_move_line_id",))
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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_serial_job(self):
        """Odoo deletes a transfer's moves before the transfer itself."""
        self.picking_id._serial_check_not_in_job()

    def _serial_reserve_quants(self, quantities):
        """Reserve exactly ``quantities`` (pairs of a quant and the quantity
        to take from it, in the product's unit) on these moves, the one of
        each quant's product, as Odoo's reservation of each does
        (``_update_reserved_quantity`` with the quant's lot, package and
        owner). Returns the quants of which not all could be reserved.

        Odoo reserves quant by quant, a few queries each. The pairs that
        allow it are reserved at once instead: their lines built by Odoo's
        own ``_prepare_move_line_vals``, created as copies of the first
        (tools/batch_create.py), and their reserved quantity written in one
        write() per value. That is Odoo's result for a quant without package
        or owner that holds the quantity unreserved, that this transaction
        can lock, with no quant of the product without lot beside it (whose
        date Odoo would give it), on a move without lines yet; the others
        take Odoo's way.
        """
        moves = self.grouped("product_id")
        at_once = self._serial_reservable_at_once(quantities)
        failed = []
        for quant, quantity in quantities:
            if quant in at_once:
                continue
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
        self._recompute_state()
        return self.env["stock.quant"].concat(*failed)

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

    def _serial_is_eligible(self):
        """Whether Generate Serial # serves this move of a return."""
        self.ensure_one()
        return (
            self.state not in ("done", "cancel")
            and self.product_id.is_storable
            and self.product_id.tracking in ("serial", "lot")
        )

    def _serial_quantities(self):
        """(demand, quantity that already has serials), in the product's unit."""
        self.ensure_one()
        serialized = sum(
            line.quantity_product_uom
            for line in self.move_line_ids
            if line.lot_id or line.lot_name
        )
        return SerialQuantities(self.product_qty, serialized)

    # What a return receipt attaches (serial.attach) ---------------------------

    def _serial_delivery_moves(self):
        """The delivery this move returns, when Odoo's Return made it: its
        serials come back from there first."""
        self.ensure_one()
        return self.origin_returned_move_id

    def _serial_default_known(self, remaining):
        """``(lots, {lot: units})`` the wizard offers to attach, up to
        ``remaining`` units: the serials delivered to the customer of the
        return that are still there, and that Odoo's Return may bring back."""
        self.ensure_one()
        attach = self.env["serial.attach"]
        deliveries = self._serial_delivery_moves() or attach._customer_deliveries(
            self.picking_id.partner_id, self.company_id, self.product_id
        )
        taken = attach._default_delivered(deliveries, remaining)
        lots = self.env["stock.lot"].concat(*(lot for lot, _units in taken))
        return lots, dict(taken)

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
        vals["serial_account_move_line_id"] = self.serial_account_move_line_id.id
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

    def _serial_prepare_move_line_vals(self, lot, quantity, location):
        self.ensure_one()
        return {
            "move_id": self.id,
            "picking_id": self.picking_id.id,
            "product_id": self.product_id.id,
            "product_uom_id": self.product_id.uom_id.id,
            "lot_id": lot.id,
            "quantity": quantity,
            "location_id": self.location_id.id,
            "location_dest_id": location.id,
            "picked": True,
        }

    def _serial_done_in_chunk(self):
        """Do these moves, a background chunk's, at once; validate each
        transfer they are the last open moves of (serial.receipt,
        serial.chunked.transfer)."""
        for picking, moves in self.grouped("picking_id").items():
            rest = picking.move_ids.filtered(
                lambda move: move.state not in ("done", "cancel")
            )
            if rest - moves:
                # Odoo's look for packages moved whole reads every line of the
                # transfer: the transfer's own validation runs it, once.
                moves.with_context(
                    serial_fast_done=True, serial_chunk_done=True
                )._action_done(cancel_backorder=True)
                continue
            # skip_sms: as the validation run at once (_serial_validate_done)
            picking.with_context(
                serial_fast_done=True, cancel_backorder=True, skip_sms=True
            )._action_done()
            picking._serial_check_done()

    def _serial_prepare_quant_line_vals(self, quant, lot):
        """The picked line of this move that moves ``quant`` whole as ``lot``
        (the quant's own, or the serial that replaces it), with its package
        and owner: what a transfer from where Odoo reserves nothing (a
        vendor) holds."""
        self.ensure_one()
        return {
            "move_id": self.id,
            "picking_id": self.picking_id.id,
            "product_id": quant.product_id.id,
            "product_uom_id": quant.product_id.uom_id.id,
            "lot_id": lot.id,
            "quantity": quant.quantity,
            "location_id": quant.location_id.id,
            "location_dest_id": self.picking_id.location_dest_id.id,
            "package_id": quant.package_id.id,
            "owner_id": quant.owner_id.id,
            "picked": True,
        }

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
