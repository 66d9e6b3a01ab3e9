from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class SerialNumbering(models.AbstractModel):
    """Whether names are free: checked against the lots that exist, to
    list every clash in one clear error. What another transaction commits
    meanwhile PostgreSQL refuses at creation (lot_uniqueness.py)."""

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
        self.env.flush_all()
        self.env.cr.execute(query)
        return {name for (name,) in self.env.cr.fetchall()}

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
