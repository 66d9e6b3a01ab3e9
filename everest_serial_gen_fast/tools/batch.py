"""Doing the ORM's work in batches, storing what it stores.

Its pieces, each with its own conditions:

- **The switch.** The system parameter ``everest_serial_gen.fast_path``
  gives the smallest batch the speed layer takes (``SMALLEST_BATCH`` when
  it is not set; ``1``: every batch). Set to ``0``, every batch goes
  through Odoo's plain ``create()`` and ``_action_done()``, as if this
  addon were not installed: the results are the same, at Odoo's speed
  (``stock.move.line._serial_fast_path``). Below the smallest batch, the
  few records of an everyday return go through Odoo's own code record by
  record, which every installed module's overrides see; the speed layer
  takes over where Odoo's cost per record shows.
- **Rows copied.** ``create()`` costs about a millisecond of Python per
  record: defaults, cache, column conversion and bookkeeping for each, the
  same answers thousands of times. ``create_as_copies`` sends the first
  record of each group (same values but the varying column) through
  ``create()`` with every override, and inserts the others as copies of its
  row with their own value of that column, in one statement: the stored
  columns hold exactly what ``create()`` stored for the first. The ORM is
  then told as after a create (caches, what depends on the records), the
  constraints run on all of them, and the company check on each where its
  answer may differ from the first's (a varying column it checks). That is
  ``create()``'s result only when ``copies_supported`` holds: no installed
  module overrides the model's ``create()`` beyond the ones the caller
  knows to add nothing per record that a copy would miss, the values are
  plain columns, no stored computed field depends on the varying column,
  and no creation message is logged per record. Otherwise ``create()``
  runs for all.
"""

from odoo.tools import SQL

# The switch -------------------------------------------------------------------

FAST_PATH_PARAMETER = "everest_serial_gen.fast_path"
# The smallest batch the speed layer takes when the parameter does not say
# (stock.move.line._serial_fast_path). One OK on a credit note, 19.0, with
# and without the speed layer: 3 serials 0.20 / 0.23 s, 10 serials 0.22 /
# 0.38 s, 30 serials 0.29 / 0.58 s, 100 serials 0.34 / 1.24 s. Below 20,
# what it saves is a fraction of a second, and Odoo's own code runs, record
# by record, as every installed module's overrides expect.
SMALLEST_BATCH = 20
# The addons whose overrides of the methods the fast path reproduces it
# knows: Odoo's, the core's and this one.
CORE = "everest_serial_gen"
FAST = __name__.split(".")[2]


# Rows copied -------------------------------------------------------------------


def copies_supported(model, vals_list, varying, known_overrides):
    varying = _names(varying)
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
            path.split(".")[0] in varying for path in model.pool.field_depends[field]
        )
        for field in fields.values()
    )


def create_as_copies(model, vals_list, varying, copied_ids=None):
    """``model.create(vals_list)``, for values that mostly differ only by
    ``varying`` (a field name, or a tuple of them: a lot and its name). The
    ids of the records inserted as copies, which no ``create()`` override
    saw, are added to ``copied_ids`` when given."""
    names = _names(varying)

    def value(vals):
        return tuple(vals[name] for name in names)

    groups = {}
    for vals in vals_list:
        key = tuple(sorted((k, v) for k, v in vals.items() if k not in names))
        groups.setdefault(key, []).append(vals)
    records, copied = {}, []
    for group in groups.values():
        values = [value(vals) for vals in group]
        if len(set(values)) < len(values):
            # the copies are told apart by their value: create() them
            created = model.create(group)
            records.update(zip(map(id, group), created.ids, strict=True))
            continue
        first = model.create(group[:1])
        copies = _copy_row(first, names, values[1:])
        records[id(group[0])] = first.id
        for vals in group[1:]:
            records[id(vals)] = copies[value(vals)]
        copied += copies.values()
    if copied:
        _after_insert(model.browse(copied), names)
    if copied_ids is not None:
        copied_ids.extend(copied)
    return model.browse(records[id(vals)] for vals in vals_list)


def insert_copies(record, varying, values):
    """Copies of ``record``'s row, one per value of the column ``varying``
    in ``values``, told to the ORM as create() tells it (``_after_insert``):
    for a record that an Odoo method made with create() and whose batch
    would differ from it only by that column. Returns the copies, in the
    order of ``values``."""
    copies = _copy_row(record, (varying,), [(value,) for value in values])
    records = record.browse(copies[(value,)] for value in values)
    if records:
        _after_insert(records, (varying,))
    return records


def _names(varying):
    return (varying,) if isinstance(varying, str) else tuple(varying)


def _copy_row(record, names, values):
    """Insert copies of ``record``'s row, one per tuple of ``values`` of the
    columns ``names``; return their ids by tuple."""
    if not values:
        return {}
    record.flush_recordset()
    fields = record._fields
    columns = [
        SQL.identifier(name)
        for name, field in fields.items()
        if field.store and field.column_type and name != "id" and name not in names
    ]
    aliases = [SQL.identifier(f"new_{index}") for index in range(len(names))]
    record.env.cr.execute(
        SQL(
            """INSERT INTO %(table)s (%(varying)s, %(columns)s)
               SELECT %(aliases)s, %(copied)s
                 FROM unnest(%(arrays)s) AS new(%(aliases)s),
                      %(table)s AS first
                WHERE first.id = %(first)s
            RETURNING %(varying)s, id""",
            table=SQL.identifier(record._table),
            varying=SQL(", ").join(SQL.identifier(name) for name in names),
            columns=SQL(", ").join(columns),
            aliases=SQL(", ").join(aliases),
            copied=SQL(", ").join(SQL("first.%s", column) for column in columns),
            # each column's values as an array of its own type, from the
            # field's definition
            arrays=SQL(", ").join(
                SQL(
                    "%s::%s[]",
                    [row[index] for row in values],
                    SQL(fields[name].column_type[1]),
                )
                for index, name in enumerate(names)
            ),
            first=record.id,
        )
    )
    return {tuple(row[:-1]): row[-1] for row in record.env.cr.fetchall()}


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


def _after_insert(records, varying):
    """What create() does after its INSERT, and its checks. The company
    check of a copy gives the answer create() gave its first record, unless
    a ``varying`` column is one it checks (a move line's lot): then each
    copy is checked."""
    mark_created(records)
    records._validate_fields(
        name for name, field in records._fields.items() if field.store
    )
    fields = records._fields
    if records._check_company_auto and any(
        fields[name].relational and fields[name].check_company for name in varying
    ):
        records._check_company()


# Quants taken as Odoo takes them ----------------------------------------------


def lock_quants(quants):
    """The ids of ``quants`` this transaction could lock, as Odoo locks the
    quant it updates (``FOR NO KEY UPDATE SKIP LOCKED``): one that another
    transaction holds is left out, where Odoo would take another or make a
    new one."""
    if not quants:
        return set()
    quants.flush_recordset()
    quants.env.cr.execute(
        SQL(
            """SELECT id FROM stock_quant WHERE id = ANY(%s)
               FOR NO KEY UPDATE SKIP LOCKED""",
            quants.ids,
        )
    )
    return {id_ for (id_,) in quants.env.cr.fetchall()}
