from odoo.exceptions import AccessError


def check_addon_fields(model, vals_list, field_names):
    """Refuse ``vals_list`` that set any of ``field_names`` outside sudo.

    These fields link stock to the documents that brought it in, and the
    guards against losing that stock (cancel, reversal, line changes) rest
    on them: only the addon writes them, in sudo. ``readonly`` in a view
    does not stop an RPC caller, nor does a context key, which RPC callers
    choose too. Callers check ``env.su`` first: sudo writes nothing here.
    """
    written = {name for vals in vals_list for name in vals if name in field_names}
    if written:
        raise AccessError(
            model.env._(
                "Only Generate Serial # sets %(fields)s.",
                fields=", ".join(
                    sorted(model._fields[name].string for name in written)
                ),
            )
        )
