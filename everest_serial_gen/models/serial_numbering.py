import re
from collections import defaultdict

from psycopg2.errors import LockNotAvailable

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import product_sequence
from .sql_tools import lock_timeout

# Odoo's own import accepts one value per line, or values separated by tabs or
# semicolons: a column pasted from a spreadsheet, or a typed list.
SERIAL_LIST_SEPARATORS = re.compile(r"[\r\n\t;]+")
# How long a generation waits for another one of the same product to finish.
SERIAL_LOCK_TIMEOUT = "15s"
SERIAL_SEQUENCE_CODE = "everest_serial_gen.serial"


class SerialBusyError(UserError):
    """Another transaction creates serials of the same product right now."""


def parse_serial_list(text):
    """Split a typed or pasted list of serial numbers into names."""
    return [
        name.strip()
        for name in SERIAL_LIST_SEPARATORS.split(text or "")
        if name.strip()
    ]


class SerialNumbering(models.AbstractModel):
    """Everything about the names of generated serials: which sequence
    applies, drawing and previewing names, and the product lock that makes
    the checks against the lots that exist hold (those checks are in
    serial_numbering_check.py)."""

    _name = "serial.numbering"
    _description = "Serial Number Numbering"

    # Sequences ---------------------------------------------------------------

    @api.model
    def _sequence(self, company, product, create=True):
        """The product's own serial sequence (``compat.product_sequence``)
        wins over the company's. A company that has none yet gets one,
        unless ``create`` is False."""
        sequence = product_sequence(product) or company.serial_sequence_id
        if not sequence and create:
            company._serial_create_sequences()
            sequence = company.serial_sequence_id
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

    # Naming a plan -----------------------------------------------------------

    @api.model
    def _name_plan(self, company, lines, reserved=None):
        """Give every plan line its names, under the product lock: the typed
        ones are checked, the others drawn from the sequence, skipping the
        typed ones of the same product too, and the names ``reserved`` per
        product (typed for a later chunk of the same background job)."""
        self._lock_products(set().union(*(line.product.ids for line in lines)))
        typed = defaultdict(list)
        for line in lines:
            typed[line.product] += line.names or []
        for product, names in typed.items():
            self._check_names(company, product, names)
        for product, names in (reserved or {}).items():
            typed[product] += names
        named = []
        for line in lines:
            if line.names is None:
                line = line.named(
                    self._draw_names(
                        company, line.product, line.count, taken=typed[line.product]
                    )
                )
                typed[line.product] += line.names
            named.append(line)
        return tuple(named)

    @api.model
    def _draw_names(self, company, product, count, taken=()):
        """Draw ``count`` free names from the sequence, skipping used ones and
        the ``taken`` names of the same batch.

        When a draw meets names in use (serials from the old ERP, or from
        before a reinstall), the sequence moves past the highest number in
        use for the product, found in one query, whatever the gap. Call it
        with the product locked (``_lock_products``), so that no other
        transaction can take a drawn name before we create it.
        """
        taken = set(taken)
        # Sudo: drawing writes the sequence (and creates a date range's
        # sub-sequence on first use), which users may not; only this product's
        # or company's own sequence is drawn from.
        sequence = self._sequence(company, product).sudo()
        names, jumped = [], False
        while len(names) < count:
            drawn = self._next_names(sequence, count - len(names))
            used = taken | self._existing_names(company, product, drawn)
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
                self._skip_used_numbers(sequence, company, product, taken)
                jumped = True
        return names

    @api.model
    def _skip_used_numbers(self, sequence, company, product, taken=()):
        """Move ``sequence`` past the highest number in use for ``product``,
        among its lots and the ``taken`` names, in its current format."""
        prefix, suffix = sequence._get_prefix_suffix()
        self.env.cr.execute(
            SQL(
                """SELECT max(substr(name, length(%(prefix)s) + 1,
                                   length(name) - length(%(prefix)s)
                                   - length(%(suffix)s))::numeric)
                     FROM (SELECT name FROM stock_lot
                            WHERE product_id = %(product)s
                              AND (company_id = %(company)s OR company_id IS NULL)
                           UNION ALL SELECT unnest(%(taken)s::varchar[])) AS names
                    WHERE starts_with(name, %(prefix)s)
                      AND right(name, length(%(suffix)s)) = %(suffix)s
                      AND substr(name, length(%(prefix)s) + 1,
                                 length(name) - length(%(prefix)s)
                                 - length(%(suffix)s)) ~ '^[0-9]+$'""",
                prefix=prefix,
                suffix=suffix,
                product=product.id,
                company=company.id,
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

    # Product lock ------------------------------------------------------------

    @api.model
    def _lock_products(self, product_ids):
        """Wait, for at most SERIAL_LOCK_TIMEOUT, until no other transaction
        creates serials of these products; keep them until commit.

        A PostgreSQL transaction-level advisory lock, so that it holds across
        Odoo workers and servers and is released by commit or rollback. No
        row can be locked instead: the lots to guard do not exist yet.
        """
        ids = sorted(product_ids)
        if not ids:
            return
        try:
            with lock_timeout(self.env.cr, SERIAL_LOCK_TIMEOUT):
                self.env.cr.execute(
                    SQL(
                        """SELECT pg_advisory_xact_lock(hashtext('stock.lot'), id)
                             FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ids""",
                        ids,
                    )
                )
        except LockNotAvailable:
            products = self.env["product.product"].browse(ids)
            raise SerialBusyError(
                self.env._(
                    "Serial numbers of %(products)s are being created by another "
                    "user right now. Try again in a moment.",
                    products=", ".join(products.mapped("display_name")),
                )
            ) from None
