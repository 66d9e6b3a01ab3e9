from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..compat import GLOBAL_LOT_SEQUENCE_XMLID, PRODUCT_LOT_SEQUENCE


class SerialNumbering(models.AbstractModel):
    """Everything about the names of generated serials: which sequence
    applies, drawing and previewing names, and whether names are free. Two
    transactions that create the same name anyway are told apart by
    PostgreSQL (tools/lot_uniqueness.py)."""

    _name = "serial.numbering"
    _description = "Serial Number Numbering"

    # Sequences ---------------------------------------------------------------

    @api.model
    def _sequence(self, company, product, create=True):
        """The product's own serial sequence (``_product_sequence``)
        wins over the company's. A company that has none yet gets one,
        unless ``create`` is False."""
        sequence = self._product_sequence(product) or company.serial_sequence_id
        if not sequence and create:
            company._serial_create_sequences()
            sequence = company.serial_sequence_id
        return sequence

    @api.model
    def _product_sequence(self, product):
        """The sequence a product sets for its serials, or an empty
        recordset: core's lot_sequence_id when it is not the global default
        (19.0), else the addon's serial_sequence_id (18.0; compat.py)."""
        template = product.product_tmpl_id
        if not PRODUCT_LOT_SEQUENCE:
            return template.serial_sequence_id
        sequence = template.lot_sequence_id
        if sequence == self.env.ref(
            GLOBAL_LOT_SEQUENCE_XMLID, raise_if_not_found=False
        ):
            return sequence.browse()
        return sequence

    @api.model
    def _next_names(self, sequence, count):
        """Draw ``count`` names at once, formatted as ``_next`` would."""
        if count <= 0:
            return []
        if sequence.use_date_range:
            # each date range has its own sub-sequence: draw one by one
            return [sequence._next() for _i in range(count)]
        if sequence.implementation == "standard":
            self.env.cr.execute(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    f"ir_sequence_{sequence.id:03d}",
                    count,
                )
            )
            numbers = [number for (number,) in self.env.cr.fetchall()]
        else:
            # "no gap": the row lock makes concurrent drawers wait, as in _next
            step = sequence.number_increment
            self.env.cr.execute(
                SQL(
                    """UPDATE ir_sequence SET number_next = number_next + %(span)s
                        WHERE id = %(id)s RETURNING number_next - %(span)s""",
                    span=step * count,
                    id=sequence.id,
                )
            )
            first = self.env.cr.fetchone()[0]
            numbers = [first + i * step for i in range(count)]
        sequence.invalidate_recordset(["number_next", "number_next_actual"])
        return self._format(sequence, numbers)

    @api.model
    def _preview(self, sequence, count, offset=0):
        """The first and the last name of the next ``count`` after ``offset``
        more, without drawing them."""
        if count <= 0 or not sequence:
            return False, False
        step = sequence.number_increment
        first = sequence.number_next_actual + offset * step
        first_name, last_name = self._format(
            sequence, [first, first + (count - 1) * step]
        )
        return first_name, last_name

    @api.model
    def _format(self, sequence, numbers):
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]

    @api.model
    def _first_serial_names(self, first, count):
        """``count`` names from ``first``, as Odoo's Generate Serials numbers
        them: the last group of digits increments and keeps its padding."""
        return [
            vals["lot_name"]
            for vals in self.env["stock.lot"].generate_lot_names(first.strip(), count)
        ]

    @api.model
    def _queued_names(self, products, exclude_job=None):
        """{product: names typed for queued background generations of
        ``products`` and not created yet}, but ``exclude_job``'s."""
        # Sudo: the names other users typed are reserved for them whatever
        # the user may read; only the names are used.
        domain = [
            ("job_id.state", "=", "queued"),
            ("kind", "=", "generate"),
            ("names", "!=", False),
            ("product_id", "in", products.ids),
        ]
        if exclude_job:
            domain.append(("job_id", "!=", exclude_job.id))
        queued = defaultdict(list)
        for line in self.env["serial.generation.job.line"].sudo().search(domain):
            queued[line.product_id.sudo(False)] += line.names.split("\n")[
                line.done_count : line.count
            ]
        return queued

    @api.model
    def _check_names_free(self, document, lines, running_job=None):
        """The names typed on OK are free: no lot has them, and no queued
        background generation (but ``running_job``) reserved them. Refuse
        them all in one error, before anything is created or queued."""
        company = document.company_id
        typed = defaultdict(list)
        for line in lines:
            typed[line.product] += line.names or []
        typed = {product: names for product, names in typed.items() if names}
        if not typed:
            return
        products = self.env["product.product"].concat(*typed)
        queued = self._queued_names(products, exclude_job=running_job)
        for product, names in typed.items():
            reserved = sorted(set(names) & set(queued.get(product, ())))
            if reserved:
                raise ValidationError(
                    self.env._(
                        "These serial numbers of %(product)s are reserved for a "
                        "background generation still running: %(names)s",
                        product=product.display_name,
                        names=", ".join(reserved),
                    )
                )
            self._check_names(self._lot_company(company, product), product, names)

    @api.model
    def _lot_company(self, company, product):
        """The company of a new lot of ``product`` made in ``company``, as
        Odoo's receipts give it (``stock.move.line._prepare_new_lot_vals``):
        the product's company, or ``company`` when it belongs to it; none
        for a product shared between companies. Names are unique within it,
        and a lot without a company against every company."""
        owner = product.company_id
        if owner and company in (owner.all_child_ids | owner):
            return company
        return owner

    # Naming a plan -----------------------------------------------------------

    @api.model
    def _name_plan(self, company, lines):
        """The names of the new lots of each plan line, in order: the typed
        ones as they are (``_check_names_free`` checked them), the others
        drawn from the sequence, skipping the typed ones of the same product
        too, and the names typed for background generations that are still
        queued (theirs from the moment their OK was pressed)."""
        typed = defaultdict(list)
        for line in lines:
            typed[line.product] += line.names or []
        products = self.env["product.product"].concat(*(line.product for line in lines))
        for product, names in self._queued_names(products).items():
            typed[product] += names
        named = []
        for line in lines:
            names = line.names
            if names is None:
                names = tuple(
                    self._draw_names(
                        company, line.product, line.count, taken=typed[line.product]
                    )
                )
                typed[line.product] += names
            named.append(names or ())
        return named

    @api.model
    def _draw_names(self, company, product, count, taken=()):
        """Draw ``count`` free names from the sequence, skipping used ones and
        the ``taken`` names of the same batch.

        When a draw meets names in use (serials from the old ERP, or from
        before a reinstall), the sequence moves past the highest number in
        use for the product, found in one query, whatever the gap. A name
        that another transaction takes before we create it is refused by
        PostgreSQL (lot_uniqueness.py).
        """
        taken = set(taken)
        # Sudo: drawing writes the sequence (and creates a date range's
        # sub-sequence on first use), which users may not; only this product's
        # or company's own sequence is drawn from.
        sequence = self._sequence(company, product).sudo()
        names, jumped = [], False
        while len(names) < count:
            drawn = self._next_names(sequence, count - len(names))
            used = taken | self._existing_names(
                self._lot_company(company, product), product, drawn
            )
            names += [name for name in drawn if name not in used]
            if len(names) < count:
                if jumped:
                    raise UserError(
                        self.env._(
                            "Sequence %(sequence)s gives serial numbers that are "
                            "already typed or used for %(product)s.",
                            sequence=sequence.display_name,
                            product=product.display_name,
                        )
                    )
                self._skip_used_numbers(
                    sequence, self._lot_company(company, product), product, taken
                )
                jumped = True
        return names

    @api.model
    def _skip_used_numbers(self, sequence, company, product, taken=()):
        """Move ``sequence`` past the highest number in use for ``product``,
        among its lots of ``company`` (all of them when none) and the
        ``taken`` names, in its current format."""
        prefix, suffix = sequence._get_prefix_suffix()
        self.env.cr.execute(
            SQL(
                """SELECT max(substr(name, length(%(prefix)s) + 1,
                                   length(name) - length(%(prefix)s)
                                   - length(%(suffix)s))::numeric)
                     FROM (SELECT name FROM stock_lot
                            WHERE product_id = %(product)s
                              AND (%(company)s IS NULL OR company_id = %(company)s
                                   OR company_id IS NULL)
                           UNION ALL SELECT unnest(%(taken)s::varchar[])) AS names
                    WHERE starts_with(name, %(prefix)s)
                      AND right(name, length(%(suffix)s)) = %(suffix)s
                      AND substr(name, length(%(prefix)s) + 1,
                                 length(name) - length(%(prefix)s)
                                 - length(%(suffix)s)) ~ '^[0-9]+$'""",
                prefix=prefix,
                suffix=suffix,
                product=product.id,
                company=company.id or None,
                taken=list(taken),
            )
        )
        highest = self.env.cr.fetchone()[0]
        if highest is None:
            return
        target = sequence
        if sequence.use_date_range:
            target = sequence._get_current_sequence()
        target.invalidate_recordset(["number_next_actual"])
        if target.number_next_actual <= highest:
            target.write({"number_next": int(highest) + 1})
            target.invalidate_recordset(["number_next_actual"])

    @api.model
    def _existing_names(self, company, product, names, exclude=None):
        """Return which of ``names`` already exist for ``product`` in
        ``company`` or without a company (``stock.lot._serial_taken_names``)."""
        if not names:
            return set()
        return self.env["stock.lot"]._serial_taken_names(
            company, product, names, exclude
        )

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
