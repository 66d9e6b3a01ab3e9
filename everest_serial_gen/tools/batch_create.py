"""Thousands of records that differ in one column, created as Odoo would.

``create()`` costs about a millisecond of Python per record: defaults,
cache, column conversion and bookkeeping for each, the same answers
thousands of times. ``create_as_copies`` sends the first record of each
group (same values but the varying column) through ``create()`` with every
override, and inserts the others as copies of its row with their own value
of that column, in one statement: the stored columns hold exactly what
``create()`` stored for the first. The ORM is then told as after a create
(caches, what depends on the records) and the constraints and the company
check run on all of them.

That is ``create()``'s result only when ``copies_supported`` holds: no
installed module overrides the model's ``create()`` beyond the ones the
caller knows to add nothing per record that a copy would miss, the values
are plain columns, no stored computed field depends on the varying column,
and no creation message is logged per record. Otherwise ``create()`` runs
for all.
"""

from odoo.tools import SQL


def copies_supported(model, vals_list, varying, known_overrides):
    if "message_ids" in model._fields and not model.env.context.get(
        "mail_create_nolog"
    ):
        return False
    fields = model._fields
    if any(
        not (fields[name].store and fields[name].column_type)
        for vals in vals_list
        for name in vals
    ):
        return False
    for cls in type(model).__mro__:
        if "create" in vars(cls) and cls.__module__.startswith("odoo.addons."):
            if cls.__module__.split(".")[2] not in known_overrides:
                return False
    return not any(
        field.store
        and field.compute
        and any(
            path.split(".")[0] == varying for path in model.pool.field_depends[field]
        )
        for field in fields.values()
    )


def create_as_copies(model, vals_list, varying, copied_ids=None):
    """``model.create(vals_list)``, for values that mostly differ only by
    ``varying``. The ids of the records inserted as copies, which no
    ``create()`` override saw, are added to ``copied_ids`` when given."""
    groups = {}
    for vals in vals_list:
        key = tuple(sorted((k, v) for k, v in vals.items() if k != varying))
        groups.setdefault(key, []).append(vals)
    records, copied = {}, []
    for group in groups.values():
        values = [vals[varying] for vals in group]
        if len(set(values)) < len(values):
            # the copies are told apart by their value: create() them
            created = model.create(group)
            records.update(zip(map(id, group), created.ids, strict=True))
            continue
        first = model.create(group[:1])
        copies = _copy_row(first, varying, values[1:])
        records[id(group[0])] = first.id
        for vals in group[1:]:
            records[id(vals)] = copies[vals[varying]]
        copied += copies.values()
    if copied:
        _after_insert(model.browse(copied))
    if copied_ids is not None:
        copied_ids.extend(copied)
    return model.browse(records[id(vals)] for vals in vals_list)


def _copy_row(record, varying, values):
    """Insert copies of ``record``'s row, one per value of ``varying``;
    return their ids by value."""
    if not values:
        return {}
    record.flush_recordset()
    fields = record._fields
    columns = [
        SQL.identifier(name)
        for name, field in fields.items()
        if field.store and field.column_type and name not in ("id", varying)
    ]
    record.env.cr.execute(
        SQL(
            """INSERT INTO %(table)s (%(varying)s, %(columns)s)
               SELECT new.value, %(copied)s
                 FROM unnest(%(values)s::%(type)s[]) AS new(value),
                      %(table)s AS first
                WHERE first.id = %(first)s
            RETURNING %(varying)s, id""",
            table=SQL.identifier(record._table),
            varying=SQL.identifier(varying),
            columns=SQL(", ").join(columns),
            copied=SQL(", ").join(SQL("first.%s", column) for column in columns),
            values=values,
            # the column's own type, from the field's definition
            type=SQL(fields[varying].column_type[1]),
            first=record.id,
        )
    )
    return dict(record.env.cr.fetchall())


def mark_created(records):
    """Tell the ORM about ``records`` inserted in SQL, as create() does after
    its INSERT: forget the one2many caches of their many2one targets, and
    mark what depends on them to compute. Their own computed fields hold
    their values already."""
    for field in records._fields.values():
        for inverse in records.pool.field_inverses[field]:
            records.env[inverse.model_name].invalidate_model([inverse.name])
    computed = [f for f in records._fields.values() if f.compute and f.store]
    with records.env.protecting(computed, records):
        records.modified(list(records._fields), create=True)


def _after_insert(records):
    """What create() does after its INSERT, and its checks."""
    mark_created(records)
    records._validate_fields(
        name for name, field in records._fields.items() if field.store
    )
    if records._check_company_auto:
        records._check_company()
