"""The fast path of validation, for brand-new serials coming in.

Odoo's ``stock.move.line._action_done`` calls
``stock.quant._update_available_quantity`` twice per line, and each call
creates one quant on its own: about four queries per serial. In a batch of
the core's own (``serial_batch`` in the context), the lines that allow it get their
quants from one INSERT instead; everything else of the validation (move and
picking states, valuation layers, backorders, push rules) stays Odoo's.

For such a line, Odoo's loop gathers the quants of its lot in the source and
in the destination, finds none, and creates two: minus the quantity in the
source, plus the quantity in the destination, both with the same
``in_date`` (now). The batch gives exactly that when:

- no installed module changes how quants are moved
  (``FAST_DONE_KNOWN_OVERRIDES``), nor stores more on quants than
  ``QUANT_KNOWN_FIELDS`` in stock_quant.py;
- the product is storable and not valued per lot (stock_account then adds
  one valuation layer per lot);
- the line has a lot that has no quant anywhere yet, and no other line of
  the batch, fast or not, has that lot;
- a serial's line holds one unit, as Odoo's own check of serials requires;
- the line has no package, result package or owner (consignment);
- the source bypasses reservation (a customer location), and holds no quant
  of the product without a lot, which Odoo would decrement instead of
  creating the lot's quant;
- the destination is internal;
- the quantity is positive and fits the unit's rounding.
Odoo's loop re-checks the lines' companies; ``_check_company_auto`` did.
"""

from collections import Counter, defaultdict

from odoo import api, fields, models
from odoo.tools import float_compare, float_is_zero, float_round

from odoo.addons.everest_serial_gen.compat import UOM_PRECISION

from ..tools.batch import (
    CORE,
    FAST,
    FAST_PATH_PARAMETER,
    SMALLEST_BATCH,
    copies_supported,
    create_as_copies,
)
from .stock_quant import QuantRow

# stock: company and picked from the move, reservation (none from a
# customer location; _serial_create_reserved writes it for the copies),
# moves for lines without one; stock_account: valuation of lines created
# done. Lines of lots on moves to do need none of it per line.
KNOWN_CREATE_OVERRIDES = {"stock", "stock_account", CORE, FAST}
# The modules whose overrides of these methods the fast path knows it
# reproduces. Any other module overriding one of them may add behaviour the
# fast path would skip: then Odoo's own path runs.
FAST_DONE_KNOWN_OVERRIDES = {
    ("stock.move.line", "_action_done"): {"stock", "stock_account", FAST},
    ("stock.move.line", "_synchronize_quant"): {"stock"},
    ("stock.move.line", "_free_reservation"): {"stock"},
    ("stock.quant", "create"): {"stock"},
    ("stock.quant", "_compute_inventory_date"): {"stock"},
    ("stock.quant", "_compute_inventory_diff_quantity"): {"stock"},
    ("stock.location", "_get_next_inventory_date"): {"stock"},
    ("stock.quant", "_update_available_quantity"): {"stock"},
    ("stock.quant", "_update_reserved_quantity"): {"stock"},
    ("stock.quant", "_gather"): {"stock"},
    ("stock.quant", "_get_available_quantity"): {"stock"},
    ("stock.quant", "write"): {"stock"},
}


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model
    def _serial_fast_path(self, count):
        """Whether the speed layer takes a batch of ``count`` records (lots,
        lines, quants): from the smallest batch the system parameter
        everest_serial_gen.fast_path gives (``SMALLEST_BATCH`` when it does
        not; 0: never). Every fast path of the addon asks here, on this
        model, whose validation is the speed layer's main work."""
        # Sudo: a system parameter, read by every user who generates serials
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(FAST_PATH_PARAMETER, "")
            .strip()
            .lower()
        )
        if value in ("0", "false", "no", "off"):
            return False
        smallest = int(value) if value.isdigit() else SMALLEST_BATCH
        return count >= smallest

    @api.model
    def _serial_create_batch(self, vals_list):
        """``create(vals_list)`` for lines that differ only by their lot (and
        its name, where Odoo writes it on the line: the lines its assignment
        makes along a chain): copies of the first line's row (tools/batch.py)."""
        moves = self.env["stock.move"].browse(
            {vals.get("move_id") for vals in vals_list}
        )
        named = sum("lot_name" in vals for vals in vals_list)
        varying = ("lot_id", "lot_name") if named else "lot_id"
        if (
            len(vals_list) < 2
            or named not in (0, len(vals_list))
            or not self._serial_fast_path(len(vals_list))
            or not all(vals.get("move_id") for vals in vals_list)
            # stock's create() reserves each line of a move that reserves
            or not all(move._should_bypass_reservation() for move in moves)
            or not copies_supported(self, vals_list, varying, KNOWN_CREATE_OVERRIDES)
        ):
            return self.create(vals_list)
        return create_as_copies(self, vals_list, varying)

    @api.model
    def _serial_create_reserved(self, vals_list, quants):
        """``create(vals_list)`` for the lines that reserve ``quants``
        (``{quant: quantity}``), one line per quant (each holding the
        quantity unreserved, locked by the caller:
        stock.move._serial_reserve_quants). create() reserves the quant of
        each line it creates; the lines inserted as copies of the first of
        their group (tools/batch.py) get their quants' reserved quantity
        here, in one write() per value, as Odoo's create() would write it."""
        copied = []
        if (
            len(vals_list) > 1
            and self._serial_fast_path(len(vals_list))
            and copies_supported(self, vals_list, "lot_id", KNOWN_CREATE_OVERRIDES)
        ):
            lines = create_as_copies(self, vals_list, "lot_id", copied)
        else:
            lines = self.create(vals_list)
        by_lot = {(quant.lot_id, quant.location_id): quant for quant in quants}
        # ids, not recordsets: a union per quant would copy the group each time
        reserved = defaultdict(list)
        for line in self.browse(copied):
            quant = by_lot[line.lot_id, line.location_id]
            reserved[quant.reserved_quantity + line.quantity_product_uom] += quant.ids
        for quantity, quant_ids in reserved.items():
            # Sudo, as stock's reservation: users reserve through moves.
            self.env["stock.quant"].sudo().browse(quant_ids).write(
                {"reserved_quantity": quantity}
            )
        return lines

    def _action_done(self):
        """The lines of a batch of the addon's own (``serial_batch`` in the
        context, set where it validates what it moves): see the module's
        docstring."""
        if not self.env.context.get("serial_batch") or not self._serial_fast_path(
            len(self)
        ):
            return super()._action_done()
        return self._serial_batch_done()

    def _serial_batch_done(self):
        new = self._serial_fast_done_lines()
        known = (self - new)._serial_known_lot_lines(self)
        if known:
            # before Odoo's loop: their products' quants are theirs alone
            known = self.env["stock.quant"]._serial_move_known_lots(known)
        rest = self - new - known
        if rest:
            super(StockMoveLine, rest)._action_done()
        if known:
            known.write({"date": fields.Datetime.now()})
        if new:
            new._serial_fast_done()
        return True

    def _serial_known_lot_lines(self, batch):
        """These lines of lots that may have quants, whose quant moves
        stock.quant._serial_move_known_lots may batch: a lot that is on no
        other line of ``batch``, no package or owner, a quantity Odoo
        accepts; and only products whose every other line of the batch
        takes a fast path, so that Odoo's loop touches none of their
        quants meanwhile."""
        if not self._serial_fast_done_supported(inserts=False):
            return self.browse()
        precision = self.env["decimal.precision"].precision_get(UOM_PRECISION)
        lot_counts = Counter(line.lot_id.id for line in batch if line.lot_id)
        candidates = (
            self.browse()
            .concat(
                *(
                    group._serial_fast_done_group_lines(precision)
                    for (product, move, _unit), group in self.grouped(
                        lambda line: (
                            line.product_id,
                            line.move_id,
                            line.product_uom_id,
                        )
                    ).items()
                    if product.is_storable
                    and not product.lot_valuated
                    and move.state not in ("done", "cancel")
                )
            )
            .filtered(lambda line: lot_counts[line.lot_id.id] == 1)
        )
        other_products = set((self - candidates).product_id.ids)
        return candidates.filtered(
            lambda line: line.product_id.id not in other_products
        )

    def _serial_fast_done_lines(self):
        """The lines for which the batch gives exactly Odoo's result."""
        if not self._serial_fast_done_supported():
            return self.browse()
        precision = self.env["decimal.precision"].precision_get(UOM_PRECISION)
        groups = self.grouped(
            lambda line: (
                line.product_id,
                line.location_id,
                line.location_dest_id,
                line.move_id,
                line.product_uom_id,
            )
        )
        lines = self.browse().concat(
            *(
                group._serial_fast_done_group_lines(precision)
                for key, group in groups.items()
                if self._serial_fast_done_group_ok(*key[:4])
            )
        )
        return lines and lines._serial_without_quants(self)

    def _serial_fast_done_group_ok(self, product, source, destination, move):
        return (
            product.is_storable
            and not product.lot_valuated
            and source.should_bypass_reservation()
            and destination.usage == "internal"
            and move.state not in ("done", "cancel")
        )

    def _serial_fast_done_group_lines(self, precision):
        """The lines of one group (same product, unit, move and locations)
        that qualify: the unit is checked once, the quantities line by line
        as plain numbers, for thousands of lines."""
        uom, product = self.product_uom_id, self.product_id
        if not uom:
            return self.browse()
        rounding = uom.rounding
        serial = product.tracking == "serial"
        same_unit = uom == product.uom_id

        def quantity_ok(line):
            quantity = line.quantity
            if quantity <= 0 or not float_is_zero(
                quantity - float_round(quantity, precision_rounding=rounding),
                precision_digits=precision,
            ):
                return False
            if not serial:
                return True
            # the quantity in the product's unit is the quantity itself when
            # the units are the same: no need to compute it line by line
            in_product_unit = quantity if same_unit else line.quantity_product_uom
            return float_compare(in_product_unit, 1, precision_digits=precision) == 0

        return self.filtered(
            lambda line: line.lot_id
            and not (line.package_id or line.result_package_id or line.owner_id)
            and quantity_ok(line)
        )

    def _serial_without_quants(self, batch):
        """These lines, but those whose lot has a quant anywhere, or is on
        another line of ``batch``, or whose source holds the product
        without a lot."""
        lot_counts = Counter(line.lot_id.id for line in batch if line.lot_id)
        # Sudo: whether any quant exists decides the path, whatever the user
        # may read; nothing is returned to the user.
        Quant = self.env["stock.quant"].sudo()
        lots_with_quants = {
            lot
            for (lot,) in Quant._read_group(
                [("lot_id", "in", self.lot_id.ids)], ["lot_id"]
            )
        }
        untracked = set(
            Quant._read_group(
                [
                    ("product_id", "in", self.product_id.ids),
                    ("location_id", "in", self.location_id.ids),
                    ("lot_id", "=", False),
                ],
                ["product_id", "location_id"],
            )
        )
        return self.filtered(
            lambda line: lot_counts[line.lot_id.id] == 1
            and line.lot_id not in lots_with_quants
            and (line.product_id, line.location_id) not in untracked
        )

    def _serial_fast_done_supported(self, inserts=True):
        """Whether the fast path may run (once the switch let it take the
        batch): no other module overriding what it reproduces, and, for the
        path that only inserts quants (``inserts``), none storing more on
        quants."""
        if inserts and not self.env["stock.quant"]._serial_insert_supported():
            return False
        for (model, method), known in FAST_DONE_KNOWN_OVERRIDES.items():
            for cls in type(self.env[model]).__mro__:
                if method in vars(cls) and cls.__module__.startswith("odoo.addons."):
                    if cls.__module__.split(".")[2] not in known:
                        return False
        return True

    def _serial_fast_done(self):
        """Odoo's quant loop for brand-new lots, as one batch of quants."""
        now = fields.Datetime.now()
        rows = []
        for line in self:
            quantity = line.quantity_product_uom
            product, lot = line.product_id.id, line.lot_id.id
            rows += [
                QuantRow(product, line.location_id.id, lot, -quantity, now),
                QuantRow(product, line.location_dest_id.id, lot, quantity, now),
            ]
        # Sudo, as stock's _update_available_quantity: users move stock
        # through move lines, they do not write quants.
        quants = self.env["stock.quant"].sudo()._serial_insert_quants(rows)
        self.write({"date": now})
        return quants
