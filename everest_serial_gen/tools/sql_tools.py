"""Locks and links the ORM has no call for.

Every statement of SQL the core runs itself is listed here, with its
reason; the rest is the ORM's. The speed layer (everest_serial_gen_fast)
has SQL of its own, each piece behind its switch.

- ``lock_rows``: how the addon serializes work on a document: an UPDATE
  that changes nothing, so that whoever comes second waits and is retried
  by Odoo (``SELECT ... FOR UPDATE`` would not make it retry).
- ``lock_timeout``: bounds the wait of the background runner on a document
  a user holds.
- ``link_many2many``: thousands of links in one INSERT; ``write()`` on a
  document would run the document's own machinery (an invoice's
  accounting) for a link.
- ``serial.generation.job._lock_next``: the oldest queued job that no other
  runner holds (``FOR NO KEY UPDATE SKIP LOCKED``), so that the chunks of
  one job never run at the same time on two workers.
- ``stock.lot._serial_next_names``, ``_serial_skip_used_numbers``: drawing many
  numbers of a sequence at once (``nextval`` over a series; the row update
  of a "no gap" sequence, as ``ir.sequence`` does it one by one), and
  moving a sequence past the highest number in use.
- ``tools/lot_uniqueness.py``: Odoo's rule for lot names as a PostgreSQL
  constraint, which holds between transactions, where Odoo's check in
  Python does not; and the search for duplicates that keep it out.
"""

from contextlib import contextmanager

from psycopg2.errors import LockNotAvailable

from odoo.tools import SQL


def lock_rows(records, timeout=None):
    """Make whoever comes next for ``records`` wait until we commit, then retry.

    This is the addon's one way to serialize work on a document or a wizard.
    Touching the rows (an UPDATE that changes nothing visible) blocks any
    other transaction that touches them until ours ends. Odoo runs requests
    in REPEATABLE READ: once ours commits, the waiting transaction's own
    touch fails as a concurrent update, and Odoo retries the whole request,
    which then sees what we did. A plain ``SELECT ... FOR UPDATE`` would not
    make it retry when we only locked the row without writing it.

    ``timeout`` (a PostgreSQL interval such as ``"5s"``) bounds the wait:
    past it, ``LockNotAvailable`` is raised. The background runner uses it
    so that a user's open transaction never holds up the queue.
    """
    if not records:
        return
    cr = records.env.cr
    query = SQL(
        "UPDATE %s SET write_date = write_date WHERE id = ANY(%s)",
        SQL.identifier(records._table),
        sorted(records.ids),
    )
    if timeout is None:
        cr.execute(query)
        return
    with lock_timeout(cr, timeout):
        cr.execute(query)


@contextmanager
def lock_timeout(cr, timeout):
    """Bound every lock wait of the statements run inside, on ``cr``.

    They run in a savepoint, so that a ``LockNotAvailable`` leaves the
    transaction usable; the previous setting comes back at the end.
    """
    cr.execute(
        SQL(
            "SELECT current_setting('lock_timeout'), "
            "set_config('lock_timeout', %s, true)",
            timeout,
        )
    )
    previous = cr.fetchone()[0]
    try:
        with cr.savepoint(flush=False):
            yield
    finally:
        cr.execute(SQL("SELECT set_config('lock_timeout', %s, true)", previous))


def link_many2many(record, field_name, ids):
    """Add ``ids`` to the many2many ``field_name`` of ``record``, in one INSERT.

    Linking thousands of serials through write() costs a Python round per
    link, plus the record's write machinery (an invoice's is heavy).
    Then, as write() would, the ORM forgets both sides of the relation and
    marks what depends on them to compute.
    """
    record.ensure_one()
    field = record._fields[field_name]
    record.env.cr.execute(
        SQL(
            """INSERT INTO %s (%s, %s) SELECT %s, unnest(%s::int[])
               ON CONFLICT DO NOTHING""",
            SQL.identifier(field.relation),
            SQL.identifier(field.column1),
            SQL.identifier(field.column2),
            record.id,
            list(ids),
        )
    )
    record.invalidate_recordset([field_name])
    record.modified([field_name])
    others = record.env[field.comodel_name].browse(ids)
    for inverse in record.pool.field_inverses[field]:
        others.invalidate_recordset([inverse.name])
        others.modified([inverse.name])


__all__ = ["LockNotAvailable", "link_many2many", "lock_rows", "lock_timeout"]
