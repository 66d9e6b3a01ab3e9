"""Answers asked once per batch, not once per record.

Creating thousands of lots and move lines, the ORM asks the same questions
record by record: ``create()`` asks ``default_get()`` once per values dict
(``_add_missing_default_values``; stock's lot ``default_get`` even builds a
new environment per call), and every float field asks
``decimal.precision.precision_get()`` each time a value enters the cache or
the database, through an ormcache whose wrapper costs more than the lookup.
Inside ``batch_memo()``, the methods routed through ``remembered()`` answer
a repeated question from a memo that lives only as long as that block:
nothing outlives the batch, and a question with other arguments or from
another environment is asked again.
"""

from contextlib import contextmanager
from contextvars import ContextVar

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
