"""What one generation asks for, as values nothing changes in place: the
names users type, the plan, and where a unit is.

The wizard's OK and each background chunk describe their work as a tuple of
``PlanLine``; ``serial.generator`` checks it, names it, creates the lots and
hands each line, with its lots, to the document that receives the goods.
"""

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

# Odoo's own import accepts one value per line, or values separated by tabs or
# semicolons: a column pasted from a spreadsheet, or a typed list.
SERIAL_LIST_SEPARATORS = re.compile(r"[\r\n\t;]+")
# the code of the company's serial sequence (res.company)
SERIAL_SEQUENCE_CODE = "everest_serial_gen.serial"


def parse_serial_list(text):
    """Split a typed or pasted list of serial numbers into names."""
    return [
        name.strip()
        for name in SERIAL_LIST_SEPARATORS.split(text or "")
        if name.strip()
    ]


@dataclass(frozen=True)
class PlanLine:
    """The serials one document line gets from one origin.

    ``source`` is the document line, ``count`` how many new lots, each of
    ``lot_quantity`` units in the product's unit (1 for a serial).
    ``names`` are the names the user typed for them, or None when they are
    drawn from the sequence.

    ``origin`` is the delivery move whose units these are, when they come
    back as a return of it (Odoo's own Return); empty when nothing Odoo
    delivered explains them.

    Known serials are not generated again (Everest's Attach/Retrieve):
    ``attached`` are lots still at a customer, which the document brings
    back, ``attached_quantities`` their units; ``retrieved`` are the done
    move lines that already brought lots back on a return, which a credit
    note takes as received without moving them again.

    ``job_line`` is the line of the generation record that holds these
    units (``serial.generation.job.line``), once there is one.
    """

    source: object
    product: object
    count: int
    lot_quantity: float
    names: tuple | None = None
    origin: object = None
    attached: object = None
    # {lot: units at the customer} of the attached lots
    attached_quantities: dict | None = None
    retrieved: object = None
    job_line: object = None

    @property
    def known_quantity(self):
        """The units of known serials: attached and retrieved."""
        attached = sum((self.attached_quantities or {}).values())
        retrieved = sum(line.quantity_product_uom for line in self.retrieved or ())
        return attached + retrieved

    @property
    def moved_quantity(self):
        """The units the document moves in: new and attached lots."""
        return self.quantity + sum((self.attached_quantities or {}).values())

    @property
    def is_empty(self):
        return not (self.count or self.attached or self.retrieved)

    @property
    def quantity(self):
        """The units of new lots, in the product's unit."""
        return self.count * self.lot_quantity

    def for_job_line(self, job_line):
        """This line, run by ``job_line`` of its generation."""
        return replace(self, job_line=job_line)


class SerialQuantities(NamedTuple):
    """A document line's quantity coming back, and how much of it already
    has serials, in the product's unit."""

    total: float
    serialized: float


class Stay(NamedTuple):
    """Where a unit of a lot is now, outside our stock (at a customer, at a
    vendor): read from the lot's done move lines, not from quants, whose
    packages and negative quantities would count it twice or not at all.

    ``units`` is how many units of the lot are there (1 for a serial);
    ``location``, ``package`` and ``owner`` are where the last line that
    brought them put them, and ``line`` that line (none for units that a
    quant alone records, imported from an earlier system). It reads as a quant
    (``product_id``, ``lot_id``, ``quantity``...) where code moves one."""

    lot: object
    location: object
    package: object
    owner: object
    units: float
    line: object

    # A stay reads as the quant it would be, where quants do not tell
    # (Odoo reserves nothing at customers and vendors): product, lot,
    # quantity, location, package and owner.
    @property
    def product_id(self):
        return self.lot.product_id

    @property
    def lot_id(self):
        return self.lot

    @property
    def quantity(self):
        return self.units

    @property
    def location_id(self):
        return self.location

    @property
    def package_id(self):
        return self.package

    @property
    def owner_id(self):
        return self.owner
