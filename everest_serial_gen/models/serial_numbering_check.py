from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class SerialNumbering(models.AbstractModel):
    """Whether names are free: checked against the lots that exist, ours
    and those other transactions committed. Hold the product lock
    (``_lock_products``) while the answer must stay true."""

    # Checking names against the database is its own concern, in its own file.
    _inherit = "serial.numbering"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _existing_names(self, company, product, names, exclude=None):
        """Return which of ``names`` already exist for ``product`` in
        ``company`` or without a company, in one query."""
        if not names:
            return set()
        # One lookup per name (LIMIT 1 keeps the subquery a lateral loop), so
        # that PostgreSQL uses the btree on (product_id, name) of stock.lot's
        # init(): for name = ANY(<many names>) it picks the trigram index of
        # `name`, whose real cost grows with the product's lots (17 s at
        # 66,000).
        query = SQL(
            """SELECT found.name FROM unnest(%(names)s::varchar[]) AS checked(name),
                 LATERAL (SELECT name FROM stock_lot
                           WHERE product_id = %(product)s
                             AND name = checked.name
                             AND (%(company)s IS NULL OR company_id = %(company)s
                                  OR company_id IS NULL)
                             AND id != ALL(%(exclude)s)
                           LIMIT 1) AS found""",
            product=product.id,
            names=list(names),
            company=company.id or None,
            exclude=list(exclude.ids if exclude else []),
        )
        # Our own transaction's lots, then what others committed since this
        # transaction's snapshot: Odoo runs requests in REPEATABLE READ, so a
        # serial committed while we waited for the lock is invisible here.
        self.env.flush_all()
        self.env.cr.execute(query)
        existing = {name for (name,) in self.env.cr.fetchall()}
        if self._holds_lot_table_lock():
            return existing
        with self.env.registry.cursor() as fresh_cr:
            fresh_cr.execute(query)
            existing.update(name for (name,) in fresh_cr.fetchall())
        return existing

    @api.model
    def _holds_lot_table_lock(self):
        """Whether this transaction altered the stock_lot table: a module that
        adds columns to it is being installed, and its data generates serials
        (the addon's own demo data does). A fresh cursor would wait for our
        own lock forever; no other transaction can write serials until we
        commit, so there is nothing more to see."""
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM pg_locks
                    WHERE pid = pg_backend_pid()
                      AND relation = 'stock_lot'::regclass
                      AND mode = 'AccessExclusiveLock'
                      AND granted"""
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _check_names(self, company, product, names, exclude=None):
        """Raise one error listing every name that is repeated or already used."""
        seen, repeated = set(), set()
        for name in names:
            (repeated if name in seen else seen).add(name)
        clashes = repeated | self._existing_names(company, product, seen, exclude)
        if clashes:
            raise ValidationError(
                self.env._(
                    "These serial numbers already exist for %(product)s, or are "
                    "repeated: %(names)s",
                    product=product.display_name,
                    names=", ".join(sorted(clashes)),
                )
            )
