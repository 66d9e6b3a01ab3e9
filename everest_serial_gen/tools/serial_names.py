"""Serial numbers as users type them."""

import re

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
