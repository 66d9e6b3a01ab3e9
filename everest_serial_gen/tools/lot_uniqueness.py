"""Lot names unique per product and company, held by PostgreSQL.

Odoo checks the uniqueness of lot names in Python only
(``stock.lot._check_unique_lot``), so two transactions that create the same
serial at the same moment both commit it. The addon adds Odoo's rule as a
table constraint: PostgreSQL makes the second transaction wait for the first
and refuses it, whatever module creates the lots, and nobody waits for a
timer or a lock of the addon's. Two transactions creating different names
never wait for each other.

The constraint compares what Odoo's rule compares: the product, the name,
and the company, lots without a company comparing with each other. A lot
without a company against one with a company cannot be told by a btree
constraint: that case stays Odoo's own check in Python, as without the
addon.
"""

import logging
import re

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the name PostgreSQL gives the constraint: the table, then its key
LOT_UNIQUE_CONSTRAINT = "stock_lot_serial_lot_unique"
LOT_UNIQUE_SQL = (
    "EXCLUDE USING btree "
    "(product_id WITH =, name WITH =, COALESCE(company_id, 0) WITH =)"
)
# where the constraint is missing, name lookups get a btree of their own
FALLBACK_INDEX = "stock_lot_serial_product_name_index"
LOT_UNIQUE_MESSAGE = (
    "A lot or serial number with this name already exists for this product "
    "in this company. Someone may have created it at the same moment: "
    "reload and try again with another number."
)
# "Key (product_id, name, COALESCE(company_id, 0))=(7, RMA-1, 1) conflicts ..."
CONFLICT_KEY = re.compile(
    r"\)=\((?P<product>\d+), (?P<name>.*), -?\d+\) conflicts with"
)


def constraint_exists(cr):
    cr.execute(
        SQL(
            "SELECT 1 FROM pg_constraint WHERE conname = %s",
            LOT_UNIQUE_CONSTRAINT,
        )
    )
    return bool(cr.fetchone())


def warn_duplicate_lots(cr):
    """Say, in the log, which lots keep the constraint from being added to
    an existing database, and what to do: the install goes on, and the
    uniqueness of those products' names stays Odoo's check in Python."""
    cr.execute(
        SQL(
            """SELECT product_id, name, company_id, count(*)
                 FROM stock_lot
             GROUP BY product_id, name, company_id
               HAVING count(*) > 1
                LIMIT 20"""
        )
    )
    duplicates = cr.fetchall()
    if duplicates:
        _logger.warning(
            "everest_serial_gen: the database holds lots with the same name for "
            "the same product and company, so PostgreSQL cannot guard the "
            "uniqueness of lot names (constraint %s); Odoo's own check still "
            "applies. Rename or merge these lots, then update the module: %s",
            LOT_UNIQUE_CONSTRAINT,
            "; ".join(
                f"product {product} / {name!r} / company {company}: {count} lots"
                for product, name, company, count in duplicates
            ),
        )
