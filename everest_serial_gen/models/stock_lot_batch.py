"""Thousands of lots that differ only by name, created as Odoo would.

``create()`` costs about a millisecond of Python per lot: defaults, cache,
column conversion and bookkeeping for each of them, the same answers
thousands of times. Here the first lot of each group (same values but the
name) goes through ``create()`` with every override, and the others are
copies of its row with their own names, in one INSERT: the stored columns
hold exactly what ``create()`` stored for the first. The ORM is then told
as after a create (caches, what depends on lots), and the constraints and
the company check run on all of them.

That gives ``create()``'s result only when no installed module overrides
``stock.lot``'s ``create()`` beyond the ones listed (they add nothing per
lot that the copy would miss), no stored computed field depends on the
name, the values are plain columns and the context logs no creation
message; otherwise ``create()`` runs for all.
"""

from odoo import api, models
from odoo.tools import SQL

ADDON = __name__.split(".")[2]
# stock: _check_create and the no-subscribe context; stock_account: the
# standard price of lots valued one by one (in the copied row too); mail:
# followers and the creation message, which the caller's context turns off.
KNOWN_CREATE_OVERRIDES = {"stock", "stock_account", "mail", ADDON}


class StockLot(models.Model):
    _inherit = "stock.lot"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _serial_create_batch(self, vals_list):
        """``create(vals_list)``, for new lots that differ only by name."""
        if len(vals_list) < 2 or not self._serial_batch_supported(vals_list):
            return self.create(vals_list)
        self._serial_check_vals(vals_list)
        groups = {}
        for vals in vals_list:
            key = tuple(sorted((k, v) for k, v in vals.items() if k != "name"))
            groups.setdefault(key, []).append(vals)
        ids_by_name, copied = {}, []
        for group in groups.values():
            first = self.create(group[:1])
            copies = first._serial_copy_row([vals["name"] for vals in group[1:]])
            ids_by_name.update({(first.product_id.id, first.name): first.id})
            ids_by_name.update(
                {(first.product_id.id, name): id_ for name, id_ in copies.items()}
            )
            copied += copies.values()
        if copied:
            self.browse(copied)._serial_after_insert()
        return self.browse(
            ids_by_name[(vals["product_id"], vals["name"])] for vals in vals_list
        )

    def _serial_batch_supported(self, vals_list):
        # a chatter message per lot, or relations to copy, would differ
        if not self.env.context.get("mail_create_nolog"):
            return False
        if any(
            "product_id" not in vals
            or any(
                not (self._fields[name].store and self._fields[name].column_type)
                for name in vals
            )
            for vals in vals_list
        ):
            return False
        for cls in type(self).__mro__:
            if "create" in vars(cls) and cls.__module__.startswith("odoo.addons."):
                if cls.__module__.split(".")[2] not in KNOWN_CREATE_OVERRIDES:
                    return False
        return not any(
            field.store and field.compute and "name" in self.pool.field_depends[field]
            for field in self._fields.values()
        )

    def _serial_copy_row(self, names):
        """Insert copies of this lot's row, one per name; return their ids
        by name."""
        self.ensure_one()
        if not names:
            return {}
        self.flush_recordset()
        columns = [
            SQL.identifier(name)
            for name, field in self._fields.items()
            if field.store and field.column_type and name not in ("id", "name")
        ]
        self.env.cr.execute(
            SQL(
                """INSERT INTO stock_lot (name, %(columns)s)
                   SELECT new.name, %(copied)s
                     FROM unnest(%(names)s::varchar[]) AS new(name),
                          stock_lot AS first
                    WHERE first.id = %(first)s
                RETURNING name, id""",
                columns=SQL(", ").join(columns),
                copied=SQL(", ").join(SQL("first.%s", column) for column in columns),
                names=names,
                first=self.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def _serial_after_insert(self):
        """What create() does after its INSERT, and its checks."""
        for field in self._fields.values():
            for inverse in self.pool.field_inverses[field]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        computed = [f for f in self._fields.values() if f.compute and f.store]
        with self.env.protecting(computed, self):
            self.modified(list(self._fields), create=True)
        self._validate_fields(
            name for name, field in self._fields.items() if field.store
        )
        self._check_company()
