from odoo import api, models
from odoo.tools import SQL, split_every

from odoo.addons.stock.models.stock_quant import StockQuant as StockQuantBase

# The stored fields of stock.quant in stock and stock_account, which the
# insert below fills as create() and the computes would. Another module
# storing more on quants (say, product_expiry's dates) may need its defaults
# or computes: then create() runs instead.
QUANT_KNOWN_FIELDS = frozenset(
    {
        "id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "product_id",
        "location_id",
        "lot_id",
        "package_id",
        "owner_id",
        "quantity",
        "reserved_quantity",
        "in_date",
        "inventory_quantity",
        "inventory_quantity_set",
        "inventory_date",
        "inventory_diff_quantity",
        "company_id",
        "storage_category_id",
        "user_id",
        "accounting_date",
    }
)
# check_quantity reads the quants it checks with one OR per quant: keep the
# domain small enough for PostgreSQL's parser.
QUANT_CREATE_BATCH = 500


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _serial_insert(self, rows, in_date):
        """Create quants of brand-new lots from ``rows`` of (product id,
        location id, lot id, quantity), all with ``in_date``.

        Stock's create() inserts quants one at a time, two per serial: the
        cost of Odoo's own validation. Here one INSERT adds them all; the ORM
        then computes their computed fields and whatever depends on quants
        (the lot's location), as after create(). The caller guarantees what
        the skipped constraints check: new lots, one quant per lot and
        location, storable products, no view location.
        """
        stored = {
            name
            for name, field in self._fields.items()
            if field.store and field.column_type
        }
        if stored - QUANT_KNOWN_FIELDS:
            quants = self.browse()
            for batch in split_every(QUANT_CREATE_BATCH, rows):
                quants |= super(StockQuantBase, self).create(
                    [
                        {
                            "product_id": product_id,
                            "location_id": location_id,
                            "lot_id": lot_id,
                            "quantity": quantity,
                            "in_date": in_date,
                        }
                        for product_id, location_id, lot_id, quantity in batch
                    ]
                )
            return quants
        locations = self.env["stock.location"].browse({row[1] for row in rows})
        by_location = {
            location.id: self._serial_location_values(location)
            for location in locations
        }
        products, location_ids, lots, quantities = (
            list(c) for c in zip(*rows, strict=True)
        )
        companies, categories, inventory_dates = zip(
            *(by_location[location_id] for location_id in location_ids), strict=True
        )
        self.env.cr.execute(
            SQL(
                """INSERT INTO stock_quant (
                       product_id, location_id, lot_id, quantity, in_date,
                       company_id, storage_category_id, inventory_date,
                       inventory_diff_quantity, reserved_quantity,
                       inventory_quantity_set,
                       create_uid, create_date, write_uid, write_date)
                   SELECT product_id, location_id, lot_id, quantity, %(in_date)s,
                          company_id, storage_category_id, inventory_date,
                          -quantity, 0, false, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(products)s::int[], %(locations)s::int[],
                                 %(lots)s::int[], %(quantities)s::numeric[],
                                 %(companies)s::int[], %(categories)s::int[],
                                 %(inventory_dates)s::date[])
                          AS t(product_id, location_id, lot_id, quantity, company_id,
                               storage_category_id, inventory_date)
                RETURNING id""",
                in_date=in_date,
                uid=self.env.uid,
                now=self.env.cr.now(),
                products=products,
                locations=location_ids,
                lots=lots,
                quantities=quantities,
                companies=list(companies),
                categories=list(categories),
                inventory_dates=list(inventory_dates),
            )
        )
        quants = self.browse(id_ for (id_,) in self.env.cr.fetchall())
        # What create() does after its INSERT: forget the one2many caches of
        # the quants' many2one targets, and mark what depends on the quants
        # to compute (the lot's location). Their own computed fields hold the
        # values their computes give a new quant (_serial_location_values).
        for field in self._fields.values():
            for inverse in self.pool.field_inverses[field]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        computed = [
            field for field in self._fields.values() if field.compute and field.store
        ]
        with self.env.protecting(computed, quants):
            quants.modified(list(self._fields), create=True)
        return quants

    @api.model
    def _serial_location_values(self, location):
        """(company, storage category, next inventory date) of a new quant in
        ``location``, as the related fields and _compute_inventory_date give."""
        inventory_date = None
        if location.usage in ("internal", "transit"):
            inventory_date = location._get_next_inventory_date() or None
        return (
            location.company_id.id or None,
            location.storage_category_id.id or None,
            inventory_date,
        )
