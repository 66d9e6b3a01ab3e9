"""The quant half of the fast path of validation: the quants of brand-new
serials, inserted in one statement. When the fast path applies, and why
the result is Odoo's own, is written once in stock_move_line.py.
"""

from typing import NamedTuple

from odoo import models
from odoo.tools import SQL

from ..compat import QUANT_DIFF_ONLY_WHEN_COUNTED, QUANT_STORES_STORAGE_CATEGORY
from ..tools.batch_create import mark_created


class QuantRow(NamedTuple):
    product_id: int
    location_id: int
    lot_id: int
    quantity: float


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

    def _serial_insert_new_lot_quants(self, rows, in_date):
        """Create the quants of brand-new lots from ``rows`` (``QuantRow``),
        all with ``in_date``.

        Stock's create() inserts quants one at a time, two per serial: the
        cost of Odoo's own validation. Here one INSERT adds them all; the ORM
        then computes their computed fields and whatever depends on quants
        (the lot's location), as after create(). The caller guarantees what
        the skipped constraints check: new lots, one quant per lot and
        location, storable products, no view location.
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
                   SELECT product_id, location_id, lot_id, quantity, %(in_date)s,
                          company_id, inventory_date,
                          %(diff)s, 0, false,
                          %(uid)s, %(now)s, %(uid)s, %(now)s%(category)s
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
                uid=self.env.uid,
                now=self.env.cr.now(),
                products=[row.product_id for row in rows],
                locations=[row.location_id for row in rows],
                lots=[row.lot_id for row in rows],
                quantities=[row.quantity for row in rows],
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
