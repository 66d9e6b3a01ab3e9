"""What differs between the Odoo series this addon runs on (18.0 and 19.0).

Every version-dependent name or behaviour is decided here, once; the rest of
the addon reads these constants and helpers and tests no version itself.
The tests have their counterpart in ``tests/common.py``.
"""

from odoo import release

ODOO_19 = release.version_info[:2] >= (19, 0)

# The decimal precision of product quantities ("Product Unit" since 19.0).
UOM_PRECISION = "Product Unit" if ODOO_19 else "Product Unit of Measure"

# The field that gives actions, menus and users their groups.
GROUPS_FIELD = "group_ids" if ODOO_19 else "groups_id"

# The quantity of a line of Odoo's Return wizard is in the product's unit up
# to 18.0, in the returned move's unit since 19.0.
RETURN_LINE_IN_MOVE_UNIT = ODOO_19

# stock.move has a required description ``name`` up to 18.0 only.
MOVE_HAS_NAME = not ODOO_19

# stock.quant stores storage_category_id up to 18.0 only (a plain related
# since 19.0), and its inventory_diff_quantity is the difference to the
# counted quantity up to 18.0, 0 while no count is set since 19.0.
QUANT_STORES_STORAGE_CATEGORY = not ODOO_19
QUANT_DIFF_ONLY_WHEN_COUNTED = ODOO_19

# Since 19.0 a product has its own lot/serial sequence, lot_sequence_id
# (Inventory tab, "Custom Lot/Serial"), the global "Serial Numbers" sequence
# unless set: it replaces the addon's product.template.serial_sequence_id.
PRODUCT_LOT_SEQUENCE = ODOO_19
GLOBAL_LOT_SEQUENCE_XMLID = "stock.sequence_production_lots"


def cron_progress(env, done, remaining):
    """Tell the scheduler running this job how many steps are left, so that
    it calls again at once. Outside a scheduled run it does nothing, as
    18.0's _notify_progress. 19.0's _commit_progress commits: only call
    this as the last step of a chunk."""
    if not env.context.get("ir_cron_progress_id"):
        return
    cron = env["ir.cron"]
    if ODOO_19:
        cron._commit_progress(done, remaining=remaining)
    else:
        cron._notify_progress(done=done, remaining=remaining)
