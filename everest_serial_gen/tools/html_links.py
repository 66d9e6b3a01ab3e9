"""Links to records in server-rendered HTML fields."""

from markupsafe import Markup


def record_link(record):
    """A link to ``record``'s form that works in an HTML field as in the
    chatter (the web client reads the legacy URL hash)."""
    return Markup(
        '<a href="/web#model=%s&amp;id=%s&amp;view_type=form" '
        'data-oe-model="%s" data-oe-id="%s">%s</a>'
    ) % (record._name, record.id, record._name, record.id, record.display_name)


def readable_link(record):
    """A link to ``record`` for a user who may read it, else its name."""
    if record.has_access("read"):
        return record_link(record)
    return record.sudo().display_name
