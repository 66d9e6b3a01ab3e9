"""The quant half of the fast path of validation: the quants of brand-new
serials inserted in one statement, and the quants of known serials moved
by grouped writes. When the fast path applies, and why the result is
Odoo's own, is written once in stock_move_line.py.
"""

from collections import defaultdict
from typing import NamedTuple

from odoo import fields, models
from odoo.tools import SQL, float_compare

from odoo.addons.everest_serial_gen.compat import (
    QUANT_DIFF_ONLY_WHEN_COUNTED,
    QUANT_STORES_STORAGE_CATEGORY,
    UOM_PRECISION,
)

from ..tools.batch import lock_quants, mark_created


class QuantRow(NamedTuple):
    product_id: int
    location_id: int
    lot_id: int
    quantity: float
    in_date: object


class NewQuantValues(NamedTuple):
    company_id: int | None
    storage_category_id: int | None
    inventory_date: object


# The stored fields of stock.quant in stock and stock_account, which the
# insert below fills as create() and the computes would. Another module
# storing more on quants (say, product_expiry's dates) may need its defaults
# or computes: then Odoo's own path runs instead.
QUANT_KNOWN_FIELDS = frozenset(
    """id create_uid create_date write_uid write_date product_id location_id
    lot_id package_id owner_id quantity reserved_quantity in_date company_id
    inventory_quantity inventory_quantity_set inventory_date user_id
    inventory_diff_quantity storage_category_id accounting_date""".split()
)


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _serial_insert_quants(self, rows):
        """Create the quants of ``rows`` (``QuantRow``): lots that have no
        quant in that location yet.

        Stock's create() inserts quants one at a time, two per serial: the
        cost of Odoo's own validation. Here one INSERT adds them all; the ORM
        then computes their computed fields and whatever depends on quants
        (the lot's location), as after create(). The caller guarantees what
        the skipped constraints check: one quant per lot and location, none
        there before, storable products, no view location.
        """
        locations = self.env["stock.location"].browse({row.location_id for row in rows})
        by_location = {
            location.id: _new_quant_values(location) for location in locations
        }
        news = [by_location[row.location_id] for row in rows]
        # storage_category_id is stored up to 18.0 only; inventory_diff_quantity
        # is what _compute_inventory_diff_quantity gives an uncounted quant
        category = SQL(", storage_category_id" if QUANT_STORES_STORAGE_CATEGORY else "")
        diff = SQL("0" if QUANT_DIFF_ONLY_WHEN_COUNTED else "-quantity")
        self.env.cr.execute(
            SQL(
                """INSERT INTO stock_quant (
                       product_id, location_id, lot_id, quantity, in_date,
                       company_id, inventory_date,
                       inventory_diff_quantity, reserved_quantity,
                       inventory_quantity_set,
                       create_uid, create_date, write_uid, write_date%(category)s)
                   SELECT product_id, location_id, lot_id, quantity, in_date,
                          company_id, inventory_date,
                          %(diff)s, 0, false,
                          %(uid)s, %(now)s, %(uid)s, %(now)s%(category)s
                     FROM unnest(%(products)s::int[], %(locations)s::int[],
                                 %(lots)s::int[], %(quantities)s::numeric[],
                                 %(in_dates)s::timestamp[],
                                 %(companies)s::int[], %(categories)s::int[],
                                 %(inventory_dates)s::date[])
                          AS t(product_id, location_id, lot_id, quantity, in_date,
                               company_id, storage_category_id, inventory_date)
                RETURNING id""",
                category=category,
                diff=diff,
                uid=self.env.uid,
                now=self.env.cr.now(),
                products=[row.product_id for row in rows],
                locations=[row.location_id for row in rows],
                lots=[row.lot_id for row in rows],
                quantities=[row.quantity for row in rows],
                in_dates=[row.in_date for row in rows],
                companies=[new.company_id for new in news],
                categories=[new.storage_category_id for new in news],
                inventory_dates=[new.inventory_date for new in news],
            )
        )
        quants = self.browse(id_ for (id_,) in self.env.cr.fetchall())
        # their computed fields hold what their computes give a new quant
        # (_new_quant_values); what depends on quants (the lot's location)
        # is computed again
        mark_created(quants)
        return quants

    def _serial_move_known_lots(self, lines):
        """Odoo's quant loop of ``_action_done`` for ``lines`` (move lines of
        lots that may have quants already: returned, sent to a vendor, taken
        back), as a batch; returns the lines it moved, the others are left
        to Odoo's own loop.

        Per line, Odoo releases the reservation in the source, takes the
        quantity out of the lot's quant there (in_date: its own while it
        holds stock, now from a location that does not reserve) and adds it
        to the lot's quant in the destination (in_date: the oldest of its
        own and the source's), creating a quant where there is none. Here
        the same values are written with one write() per set of identical
        values, and the missing quants inserted at once. A product's lines
        are left to Odoo whole as soon as one of them meets a case this
        does not reproduce: a quant another transaction holds (Odoo would
        make a new one), several quants or a quant without lot for the same
        key (Odoo picks and merges dates), a reservation or availability
        that would go negative (Odoo frees other transfers' reservations),
        the same location on both ends.
        """
        Quant = self.sudo()
        precision = self.env["decimal.precision"].precision_get(UOM_PRECISION)
        quants = Quant.search_fetch(
            [
                ("product_id", "in", lines.product_id.ids),
                ("location_id", "in", (lines.location_id | lines.location_dest_id).ids),
                "|",
                ("lot_id", "in", lines.lot_id.ids),
                ("lot_id", "=", False),
            ],
            [
                "product_id",
                "location_id",
                "lot_id",
                "package_id",
                "owner_id",
                "quantity",
                "reserved_quantity",
                "in_date",
            ],
        )
        locked = lock_quants(quants)
        by_key = defaultdict(Quant.browse)
        for quant in quants:
            by_key[_quant_key(quant)] |= quant
        now = fields.Datetime.now()
        plans, moved = [], lines.browse()
        for _product, product_lines in lines.grouped("product_id").items():
            plan = []
            for line in product_lines:
                step = _known_lot_step(line, by_key, locked, precision, now)
                if step is None:
                    break
                plan.append(step)
            else:
                plans += plan
                moved |= product_lines
        _apply_known_lot_steps(Quant, plans)
        return moved

    def _serial_insert_supported(self):
        """Whether the INSERT fills every stored field of a quant as create()
        and its computes would: no other module stores more on quants (say,
        product_expiry's removal date). Otherwise Odoo's own path runs."""
        stored = {name for name, f in self._fields.items() if f.store and f.column_type}
        return not stored - QUANT_KNOWN_FIELDS


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


# The quant loop of _action_done for lots with quants (_serial_move_known_lots)


class QuantStep(NamedTuple):
    """What Odoo's loop does to the quants of one move line: the source's
    and the destination's new values (None: no quant there yet)."""

    product_id: int
    lot_id: int
    source: object  # stock.quant or None
    source_values: dict
    destination: object  # stock.quant or None
    destination_values: dict
    source_id: int
    destination_id: int


def _quant_key(quant):
    return (
        quant.product_id.id,
        quant.location_id.id,
        quant.lot_id.id,
        quant.package_id.id,
        quant.owner_id.id,
    )


def _known_lot_step(line, by_key, locked, precision, now):
    """The ``QuantStep`` of ``line`` as Odoo's _synchronize_quant calls
    give it, or None where Odoo would do more than this reproduces."""
    product, lot = line.product_id.id, line.lot_id.id
    source, destination = line.location_id, line.location_dest_id
    if source == destination:
        return None
    quantity = line.quantity_product_uom
    source_quants = by_key[(product, source.id, lot, False, False)]
    destination_quants = by_key[(product, destination.id, lot, False, False)]
    if (
        len(source_quants) > 1
        or len(destination_quants) > 1
        or by_key[(product, source.id, False, False, False)]
        or any(quant.id not in locked for quant in source_quants | destination_quants)
    ):
        return None
    bypass = line.move_id._should_bypass_reservation(source)
    released = 0.0 if bypass else quantity
    if source_quants:
        on_hand, reserved = source_quants.quantity, source_quants.reserved_quantity
    elif bypass:
        on_hand = reserved = 0.0
    else:
        return None
    if float_compare(reserved - released, 0, precision_digits=precision) < 0:
        return None
    if not bypass and (
        float_compare(
            (on_hand - quantity) - (reserved - released), 0, precision_digits=precision
        )
        < 0
    ):
        return None
    # _update_available_quantity's in_date: the oldest of the quants that
    # hold stock in a location that reserves, now in one that does not
    in_date = now
    if (
        not source.should_bypass_reservation()
        and source_quants.in_date
        and float_compare(on_hand, 0, precision_digits=precision) > 0
    ):
        in_date = source_quants.in_date
    source_values = {"quantity": on_hand - quantity, "in_date": in_date}
    if released:
        source_values["reserved_quantity"] = reserved - released
    destination_date = in_date
    if (
        destination_quants
        and not destination.should_bypass_reservation()
        and destination_quants.in_date
        and float_compare(destination_quants.quantity, 0, precision_digits=precision)
        > 0
    ):
        destination_date = min(destination_quants.in_date, in_date)
    destination_values = {
        "quantity": (destination_quants.quantity if destination_quants else 0.0)
        + quantity,
        "in_date": destination_date,
    }
    return QuantStep(
        product,
        lot,
        source_quants or None,
        source_values,
        destination_quants or None,
        destination_values,
        source.id,
        destination.id,
    )


def _apply_known_lot_steps(Quant, steps):
    """Write the steps' values, one write() per set of identical values, and
    insert the quants that do not exist yet."""
    # ids, not recordsets: a union per quant would copy the group each time
    writes = defaultdict(list)
    rows = []
    for step in steps:
        for quant, values, location in (
            (step.source, step.source_values, step.source_id),
            (step.destination, step.destination_values, step.destination_id),
        ):
            if quant:
                writes[tuple(sorted(values.items()))] += quant.ids
            else:
                rows.append(
                    QuantRow(
                        step.product_id,
                        location,
                        step.lot_id,
                        values["quantity"],
                        values["in_date"],
                    )
                )
    for values, quant_ids in writes.items():
        Quant.browse(quant_ids).write(dict(values))
    if rows and Quant._serial_insert_supported():
        Quant._serial_insert_quants(rows)
    elif rows:
        Quant.create(
            [
                {
                    "product_id": row.product_id,
                    "location_id": row.location_id,
                    "lot_id": row.lot_id,
                    "quantity": row.quantity,
                    "in_date": row.in_date,
                }
                for row in rows
            ]
        )
