"""The fast path of validation, for brand-new serials coming in.

Odoo's ``stock.move.line._action_done`` calls
``stock.quant._update_available_quantity`` twice per line, and each call
creates one quant on its own: about four queries per serial. With
``serial_fast_done`` in the context, the lines that allow it get their
quants from one INSERT instead; everything else of the validation (move and
picking states, valuation layers, backorders, push rules) stays Odoo's.

For such a line, Odoo's loop gathers the quants of its lot in the source and
in the destination, finds none, and creates two: minus the quantity in the
source, plus the quantity in the destination, both with the same
``in_date`` (now). The batch gives exactly that when:

- no installed module changes how quants are moved
  (``FAST_DONE_KNOWN_OVERRIDES``), nor stores more on quants than
  ``QUANT_KNOWN_FIELDS`` (then the quants are created with ``create()``);
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

from collections import Counter
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, float_is_zero, float_round, split_every

from odoo.addons.stock.models.stock_quant import StockQuant as StockQuantBase

from ..compat import (
    QUANT_DIFF_ONLY_WHEN_COUNTED,
    QUANT_STORES_STORAGE_CATEGORY,
    UOM_PRECISION,
)
from .batch_memo import remembered_defaults

ADDON = __name__.split(".")[2]


class QuantRow(NamedTuple):
    product_id: int
    location_id: int
    lot_id: int
    quantity: float


class NewQuantValues(NamedTuple):
    company_id: int | None
    storage_category_id: int | None
    inventory_date: object


# The modules whose overrides of these methods the fast path knows it
# reproduces. Any other module overriding one of them may add behaviour the
# fast path would skip: then Odoo's own path runs.
FAST_DONE_KNOWN_OVERRIDES = {
    ("stock.move.line", "_action_done"): {"stock", "stock_account", ADDON},
    ("stock.move.line", "_synchronize_quant"): {"stock"},
    ("stock.move.line", "_free_reservation"): {"stock"},
    ("stock.quant", "create"): {"stock"},
    ("stock.quant", "_compute_inventory_date"): {"stock"},
    ("stock.quant", "_compute_inventory_diff_quantity"): {"stock"},
    ("stock.location", "_get_next_inventory_date"): {"stock"},
    ("stock.quant", "_update_available_quantity"): {"stock"},
}
# The stored fields of stock.quant in stock and stock_account, which the
# insert below fills as create() and the computes would. Another module
# storing more on quants (say, product_expiry's dates) may need its defaults
# or computes: then create() runs instead.
QUANT_KNOWN_FIELDS = frozenset(
    """id create_uid create_date write_uid write_date product_id location_id
    lot_id package_id owner_id quantity reserved_quantity in_date company_id
    inventory_quantity inventory_quantity_set inventory_date user_id
    inventory_diff_quantity storage_category_id accounting_date""".split()
)
# check_quantity reads the quants it checks with one OR per quant: keep the
# domain small enough for PostgreSQL's parser.
QUANT_CREATE_BATCH = 500


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model
    def default_get(self, fields_list):
        return remembered_defaults(self, fields_list, super().default_get)

    def _action_done(self):
        """With ``serial_fast_done`` in the context: see the module's docstring."""
        if not self.env.context.get("serial_fast_done"):
            return super()._action_done()
        fast = self._serial_fast_done_lines()
        if self - fast:
            super(StockMoveLine, self - fast)._action_done()
        if fast:
            fast._serial_fast_done()
        return True

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

    def _serial_fast_done_supported(self):
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
                QuantRow(product, line.location_id.id, lot, -quantity),
                QuantRow(product, line.location_dest_id.id, lot, quantity),
            ]
        # Sudo, as stock's _update_available_quantity: users move stock
        # through move lines, they do not write quants.
        quants = insert_new_lot_quants(self.env["stock.quant"].sudo(), rows, now)
        self.write({"date": now})
        return quants


def insert_new_lot_quants(model, rows, in_date):
    """Create the quants of brand-new lots from ``rows`` (``QuantRow``),
    all with ``in_date``; ``model`` is the ``stock.quant`` model.

    Stock's create() inserts quants one at a time, two per serial: the
    cost of Odoo's own validation. Here one INSERT adds them all; the ORM
    then computes their computed fields and whatever depends on quants
    (the lot's location), as after create(). The caller guarantees what
    the skipped constraints check: new lots, one quant per lot and
    location, storable products, no view location.
    """
    stored = {name for name, f in model._fields.items() if f.store and f.column_type}
    if stored - QUANT_KNOWN_FIELDS:
        return _create_quants(model, rows, in_date)
    locations = model.env["stock.location"].browse({row.location_id for row in rows})
    by_location = {location.id: _new_quant_values(location) for location in locations}
    news = [by_location[row.location_id] for row in rows]
    # storage_category_id is stored up to 18.0 only; inventory_diff_quantity
    # is what _compute_inventory_diff_quantity gives an uncounted quant
    category = SQL(", storage_category_id" if QUANT_STORES_STORAGE_CATEGORY else "")
    diff = SQL("0" if QUANT_DIFF_ONLY_WHEN_COUNTED else "-quantity")
    model.env.cr.execute(
        SQL(
            """INSERT INTO stock_quant (
                   product_id, location_id, lot_id, quantity, in_date,
                   company_id, inventory_date,
                   inventory_diff_quantity, reserved_quantity,
                   inventory_quantity_set,
                   create_uid, create_date, write_uid, write_date%(category)s)
               SELECT product_id, location_id, lot_id, quantity, %(in_date)s,
                      company_id, inventory_date,
                      %(diff)s, 0, false, %(uid)s, %(now)s, %(uid)s, %(now)s%(category)s
                 FROM unnest(%(products)s::int[], %(locations)s::int[],
                             %(lots)s::int[], %(quantities)s::numeric[],
                             %(companies)s::int[], %(categories)s::int[],
                             %(inventory_dates)s::date[])
                      AS t(product_id, location_id, lot_id, quantity, company_id,
                           storage_category_id, inventory_date)
            RETURNING id""",
            category=category,
            diff=diff,
            in_date=in_date,
            uid=model.env.uid,
            now=model.env.cr.now(),
            products=[row.product_id for row in rows],
            locations=[row.location_id for row in rows],
            lots=[row.lot_id for row in rows],
            quantities=[row.quantity for row in rows],
            companies=[new.company_id for new in news],
            categories=[new.storage_category_id for new in news],
            inventory_dates=[new.inventory_date for new in news],
        )
    )
    quants = model.browse(id_ for (id_,) in model.env.cr.fetchall())
    # What create() does after its INSERT: forget the one2many caches of
    # the quants' many2one targets, and mark what depends on the quants
    # to compute (the lot's location). Their own computed fields hold the
    # values their computes give a new quant (_new_quant_values).
    for field in model._fields.values():
        for inverse in model.pool.field_inverses[field]:
            model.env[inverse.model_name].invalidate_model([inverse.name])
    computed = [
        field for field in model._fields.values() if field.compute and field.store
    ]
    with model.env.protecting(computed, quants):
        quants.modified(list(model._fields), create=True)
    return quants


def _create_quants(model, rows, in_date):
    """The quants of ``rows`` through create(), for a module that stores
    more on quants than the INSERT fills. Stock's own create() is skipped:
    it would merge them into existing quants, and the lots are new."""
    quants = model.browse()
    for batch in split_every(QUANT_CREATE_BATCH, rows):
        quants |= super(StockQuantBase, model).create(
            [dict(row._asdict(), in_date=in_date) for row in batch]
        )
    return quants


def _new_quant_values(location):
    """What the related fields and _compute_inventory_date give a new quant
    in ``location``."""
    inventory_date = None
    if location.usage in ("internal", "transit"):
        inventory_date = location._get_next_inventory_date() or None
    return NewQuantValues(
        location.company_id.id or None,
        location.storage_category_id.id or None,
        inventory_date,
    )
