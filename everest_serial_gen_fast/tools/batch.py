"""Doing the ORM's work in batches, storing what it stores.

Three pieces, each with its own conditions:

- **The switch.** The system parameter ``everest_serial_gen.fast_path``,
  set to ``0``, sends every batch through Odoo's plain ``create()`` and
  ``_action_done()``, as if this addon were not installed: the results are
  the same, at Odoo's speed (``fast_path_enabled``).
- **Answers remembered per batch.** Creating thousands of lots and move
  lines, the ORM asks the same questions record by record: ``create()``
  asks ``default_get()`` once per values dict (stock's lot ``default_get``
  even builds a new environment per call), and every float field asks
  ``decimal.precision.precision_get()`` each time a value enters the cache
  or the database, through an ormcache whose wrapper costs more than the
  lookup. Inside ``batch_memo()``, the methods routed through
  ``remembered()`` answer a repeated question from a memo that lives only
  as long as that block: nothing outlives the batch, and a question with
  other arguments or from another environment is asked again.
- **Rows copied.** ``create()`` costs about a millisecond of Python per
  record: defaults, cache, column conversion and bookkeeping for each, the
  same answers thousands of times. ``create_as_copies`` sends the first
  record of each group (same values but the varying column) through
  ``create()`` with every override, and inserts the others as copies of its
  row with their own value of that column, in one statement: the stored
  columns hold exactly what ``create()`` stored for the first. The ORM is
  then told as after a create (caches, what depends on the records) and
  the constraints and the company check run on all of them. That is
  ``create()``'s result only when ``copies_supported`` holds: no installed
  module overrides the model's ``create()`` beyond the ones the caller
  knows to add nothing per record that a copy would miss, the values are
  plain columns, no stored computed field depends on the varying column,
  and no creation message is logged per record. Otherwise ``create()``
  runs for all.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from odoo.tools import SQL

# The switch -------------------------------------------------------------------

FAST_PATH_PARAMETER = "everest_serial_gen.fast_path"
# The addons whose overrides of the methods the fast path reproduces it
# knows: Odoo's, the core's and this one.
CORE = "everest_serial_gen"
FAST = __name__.split(".")[2]


def fast_path_enabled(env):
    # Sudo: a system parameter, read by every user who generates serials
    value = env["ir.config_parameter"].sudo().get_param(FAST_PATH_PARAMETER, "1")
    return value.strip().lower() not in ("0", "false", "no", "off")


# Answers remembered per batch ------------------------------------------------

_MEMO = ContextVar("everest_serial_gen_batch_memo", default=None)


@contextmanager
def batch_memo():
    """Remember the answers asked inside this block, for this block only."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def remembered(model, question, ask):
    """``ask()``, asked once per block for ``model``'s environment;
    ``question`` tells the questions apart (method and arguments)."""
    memo = _MEMO.get()
    if memo is None:
        return ask()
    key = (model._name, model.env, question)
    if key not in memo:
        memo[key] = ask()
    return memo[key]


def remembered_defaults(model, fields_list, default_get):
    """``default_get(fields_list)``, asked once per block."""
    defaults = remembered(
        model,
        ("default_get", tuple(fields_list)),
        lambda: default_get(fields_list),
    )
    # create() adds the record's values to the dict it gets: give a copy,
    # and copies of list values (x2many commands), which it may extend
    return {
        name: list(value) if isinstance(value, list) else value
        for name, value in defaults.items()
    }


def check_company_once(records, fnames, check):
    """``check(records, fnames)``, Odoo's ``_check_company``, run on one
    record per distinct company and checked values: the answer depends on
    nothing else, and a batch of thousands of lots of one product asks the
    same question for each, with a new environment per record. Outside
    ``batch_memo()`` every record is checked."""
    if _MEMO.get() is None or len(records) < 2 or "company_id" not in records:
        return check(records, fnames)
    if fnames is None or {"company_id", "company_ids"} & set(fnames):
        fnames = list(records._fields)
    names = [
        name
        for name in fnames
        if records._fields[name].relational and records._fields[name].check_company
    ]
    first = {}
    for record in records.sudo():
        key = (record.company_id.id, *(tuple(record[name].ids) for name in names))
        first.setdefault(key, record.id)
    return check(records.browse(list(first.values())), fnames)


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
        _after_insert(model.browse(copied))
    if copied_ids is not None:
        copied_ids.extend(copied)
    return model.browse(records[id(vals)] for vals in vals_list)


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


def _after_insert(records):
    """What create() does after its INSERT, and its checks."""
    mark_created(records)
    records._validate_fields(
        name for name, field in records._fields.items() if field.store
    )
    if records._check_company_auto:
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
