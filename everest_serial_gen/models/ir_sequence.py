from odoo import models
from odoo.tools import SQL


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    def _serial_next_names(self, count):
        """Draw ``count`` numbers at once, formatted as ``_next`` would."""
        self.ensure_one()
        if count <= 0:
            return []
        if self.use_date_range:
            # each date range has its own sub-sequence: draw one by one
            return [self._next() for _i in range(count)]
        step = self.number_increment
        if self.implementation == "standard":
            self.env.cr.execute(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    f"ir_sequence_{self.id:03d}",
                    count,
                )
            )
            numbers = [number for (number,) in self.env.cr.fetchall()]
        else:
            # "no gap": the row lock makes concurrent drawers wait, as in _next
            self.env.cr.execute(
                SQL(
                    """UPDATE ir_sequence SET number_next = number_next + %(span)s
                        WHERE id = %(id)s RETURNING number_next - %(span)s""",
                    span=step * count,
                    id=self.id,
                )
            )
            first = self.env.cr.fetchone()[0]
            self.invalidate_recordset(["number_next"])
            numbers = [first + i * step for i in range(count)]
        return self._serial_format(numbers)

    def _serial_preview_names(self, count, offset=0):
        """The first and the last name of the next ``count`` after ``offset``
        more, without drawing them."""
        self.ensure_one()
        if count <= 0:
            return "", ""
        first = self.number_next_actual + offset * self.number_increment
        first_name, last_name = self._serial_format(
            [first, first + (count - 1) * self.number_increment]
        )
        return first_name, last_name

    def _serial_format(self, numbers):
        prefix, suffix = self._get_prefix_suffix()
        return [f"{prefix}{number:0{self.padding}d}{suffix}" for number in numbers]
