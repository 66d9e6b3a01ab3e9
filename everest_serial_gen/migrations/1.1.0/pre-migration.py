"""From 1.0 (one addon) to 1.1 (the core, everest_serial_gen_sale and
everest_serial_gen_vendor side by side), keeping every serial, link,
generation, setting and sequence.

Before the core loads, as OCA moves models between modules:

- what the service-center loop keeps in the database moves to
  everest_serial_gen_vendor: the XML ids of its models, fields (their
  columns stay: Odoo drops the columns of fields no module defines any
  more), access rights, rules, views, actions and demo records;
- both new addons are marked to install, in the same upgrade;
- the generations (serial.generation.job and its lines) name their
  document by model and id, no longer with a column per document type:
  the columns are added and filled here, before Odoo drops the old ones;
  a generation still queued stops, since 1.1 plans a generation
  differently (post-migration.py closes its receipt).
"""

VENDOR = "everest_serial_gen_vendor"
SALE = "everest_serial_gen_sale"
# What moved to the vendor addon: every XML id of these names, and of
# names with these prefixes.
VENDOR_NAMES = (
    "field_stock_lot__serial_replaces_lot_id",
    "field_stock_lot__serial_replaced_by_ids",
    "field_stock_lot__serial_history_line_ids",
    "field_stock_lot__serial_history_html",
    "field_stock_lot__serial_history_count",
    "field_stock_lot__serial_can_send",
    "field_stock_picking__serial_vendor_return_count",
)
VENDOR_PATTERNS = ("%vendor%", "demo_loop%")
# Views the vendor addon names after OCA's convention now: moved and renamed.
RENAMED_VIEWS = {
    "stock_lot_service_view_form": "stock_lot_view_form",
    "stock_lot_service_view_list": "stock_lot_view_list",
    "stock_lot_service_view_search": "stock_lot_view_search",
    "stock_picking_service_view_form": "stock_picking_view_form",
}


def migrate(cr, version):
    if not version:
        return
    _move_to_vendor(cr)
    _install_split_addons(cr)
    _generations_by_reference(cr)


def _move_to_vendor(cr):
    cr.execute(
        """UPDATE ir_model_data SET module = %s
            WHERE module = 'everest_serial_gen'
              AND (name = ANY(%s) OR name LIKE ANY(%s))""",
        [VENDOR, list(VENDOR_NAMES), list(VENDOR_PATTERNS)],
    )
    for old, new in RENAMED_VIEWS.items():
        cr.execute(
            """UPDATE ir_model_data SET module = %s, name = %s
                WHERE module = 'everest_serial_gen' AND name = %s""",
            [VENDOR, new, old],
        )


def _install_split_addons(cr):
    cr.execute(
        """UPDATE ir_module_module SET state = 'to install'
            WHERE name IN %s AND state = 'uninstalled'""",
        [(VENDOR, SALE)],
    )


def _generations_by_reference(cr):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'serial_generation_job'
              AND column_name = 'account_move_id'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """ALTER TABLE serial_generation_job
               ADD COLUMN IF NOT EXISTS res_model varchar,
               ADD COLUMN IF NOT EXISTS res_id integer,
               ADD COLUMN IF NOT EXISTS document_name varchar;
           ALTER TABLE serial_generation_job_line
               ADD COLUMN IF NOT EXISTS source_model varchar,
               ADD COLUMN IF NOT EXISTS source_id integer;
           UPDATE serial_generation_job job
              SET res_model = 'account.move', res_id = job.account_move_id,
                  document_name = move.name
             FROM account_move move
            WHERE move.id = job.account_move_id;
           UPDATE serial_generation_job job
              SET res_model = 'stock.picking', res_id = job.picking_id,
                  document_name = picking.name
             FROM stock_picking picking
            WHERE picking.id = job.picking_id;
           UPDATE serial_generation_job_line
              SET source_model = 'account.move.line', source_id = account_move_line_id
            WHERE account_move_line_id IS NOT NULL;
           UPDATE serial_generation_job_line
              SET source_model = 'stock.move', source_id = stock_move_id
            WHERE stock_move_id IS NOT NULL;
           -- a generation whose document is gone has nothing left to do
           DELETE FROM serial_generation_job WHERE res_model IS NULL;"""
    )
