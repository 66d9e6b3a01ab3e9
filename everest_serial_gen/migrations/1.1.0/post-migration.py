"""From 1.0 to 1.1, once the models are updated (see pre-migration.py):

- every document that generated, attached or retrieved serials in 1.0
  without a background job gets the record of its generation, as every OK
  leaves one in 1.1, so that a serial finds its documents (its Origin and
  the lot's Documents);
- a serial generated on a document names it (serial_document_ref);
- a generation still queued from 1.0 stops, its receipt closed with what
  came in, and says so: Generate Serial # takes the rest in 1.1.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

# the documents of 1.0 and the relation tables of their serials
DOCUMENT_LINKS = (
    ("account.move", "account_move_serial_lot_rel", "move_id", "credit_note"),
    ("stock.picking", "stock_picking_serial_lot_rel", "picking_id", "return"),
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for model, table, column, origin in DOCUMENT_LINKS:
        _generation_records(env, model, table, column)
        _generated_on(cr, model, table, column, origin)
    _stop_queued(env)


def _generation_records(env, model, table, column):
    Job = env["serial.generation.job"].with_context(tracking_disable=True)
    cr = env.cr
    cr.execute(
        SQL(
            """SELECT %(document)s, array_agg(lot_id)
                 FROM %(table)s GROUP BY %(document)s""",
            document=SQL.identifier(column),
            table=SQL.identifier(table),
        )
    )
    for document_id, lot_ids in cr.fetchall():
        document = env[model].browse(document_id).exists()
        if not document:
            continue
        job = Job.search(
            [("res_model", "=", model), ("res_id", "=", document_id)],
            order="id desc",
            limit=1,
        )
        if not job:
            job = Job.create(
                {
                    "state": "done",
                    "company_id": document.company_id.id,
                    "user_id": document.create_uid.id or SUPERUSER_ID,
                    "res_model": model,
                    "res_id": document_id,
                    "document_name": document.display_name,
                    "location_dest_id": document._serial_default_location().id
                    or env["stock.warehouse"]
                    .search([("company_id", "=", document.company_id.id)], limit=1)
                    .lot_stock_id.id,
                }
            )
        job.lot_ids = [(4, lot_id) for lot_id in lot_ids]


def _generated_on(cr, model, table, column, origin):
    cr.execute(
        SQL(
            """UPDATE stock_lot lot
                  SET serial_document_ref = %(model)s || ',' || link.document_id
                 FROM (SELECT lot_id, min(%(document)s) AS document_id
                         FROM %(table)s GROUP BY lot_id) AS link
                WHERE link.lot_id = lot.id
                  AND lot.serial_origin = %(origin)s
                  AND lot.serial_document_ref IS NULL""",
            model=model,
            origin=origin,
            document=SQL.identifier(column),
            table=SQL.identifier(table),
        )
    )


def _stop_queued(env):
    """Stop what 1.0 left queued, as a user's Cancel does: its receipts are
    closed with what came in and its document's chatter says so."""
    for job in env["serial.generation.job"].search([("state", "=", "queued")]):
        job._fail(
            env._(
                "stopped by the upgrade to version 1.1; Generate Serial # "
                "takes what is left"
            )
        )
