"""From 1.1 to 1.2: transfers and moves name the document (line) that
Generate Serial # made them for by model and id, as generations do, no
longer with a column per document type (the credit note's). The columns are
added and filled here, before the core loads; the old ones stay unused."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """ALTER TABLE stock_picking
              ADD COLUMN IF NOT EXISTS serial_res_model varchar,
              ADD COLUMN IF NOT EXISTS serial_res_id integer"""
    )
    cr.execute(
        """ALTER TABLE stock_move
              ADD COLUMN IF NOT EXISTS serial_source_model varchar,
              ADD COLUMN IF NOT EXISTS serial_source_id integer"""
    )
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name IN ('stock_picking', 'stock_move')
              AND column_name IN ('serial_account_move_id',
                                  'serial_account_move_line_id')"""
    )
    old = {name for (name,) in cr.fetchall()}
    if "serial_account_move_id" in old:
        cr.execute(
            """UPDATE stock_picking
                  SET serial_res_model = 'account.move',
                      serial_res_id = serial_account_move_id
                WHERE serial_account_move_id IS NOT NULL"""
        )
    if "serial_account_move_line_id" in old:
        cr.execute(
            """UPDATE stock_move
                  SET serial_source_model = 'account.move.line',
                      serial_source_id = serial_account_move_line_id
                WHERE serial_account_move_line_id IS NOT NULL"""
        )
