from odoo.tools import SQL


def link_many2many(record, field_name, ids):
    """Add ``ids`` to the many2many ``field_name`` of ``record``, in one INSERT.

    Linking thousands of serials through write() costs a Python round per
    link, plus the record's write machinery (an account.move's is heavy).
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
