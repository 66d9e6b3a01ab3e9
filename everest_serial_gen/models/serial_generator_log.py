from markupsafe import Markup

from odoo import api, models

# The chatter shows this many serials as links; a batch of thousands is
# summed up after them.
SERIAL_LOG_LINKS = 50


class SerialGenerator(models.AbstractModel):
    """What a generation tells the document's chatter."""

    _inherit = "serial.generator"

    @api.model
    def _log_generation(self, document, lots, location, known=None):
        parts = []
        if lots:
            parts.append(
                Markup(
                    self.env._(
                        "%(user)s generated %(what)s into %(location)s: %(serials)s"
                    )
                )
                % {
                    "user": self.env.user.name,
                    "what": self._describe_lots(lots),
                    "location": location.display_name,
                    "serials": self._lot_links(lots),
                }
            )
        if known:
            parts.append(
                Markup(self.env._("%(user)s attached known serials: %(serials)s"))
                % {"user": self.env.user.name, "serials": self._lot_links(known)}
            )
        document._message_log(body=Markup("<br/>").join(parts))

    @api.model
    def _lot_links(self, lots):
        """Links to the first lots; a batch of thousands is summed up."""
        links = Markup(", ").join(
            lot._get_html_link() for lot in lots[:SERIAL_LOG_LINKS]
        )
        if len(lots) > SERIAL_LOG_LINKS:
            more = self.env._("and %(count)s more", count=len(lots) - SERIAL_LOG_LINKS)
            links = Markup("%s %s") % (links, more)
        return links

    @api.model
    def _describe_lots(self, lots):
        """What ``lots`` are, as users count them: "3 serial numbers and 1 lot"."""
        serials = lots.filtered(lambda lot: lot.product_id.tracking == "serial")
        parts = []
        if serials or not lots:
            parts.append(
                self.env._("1 serial number")
                if len(serials) == 1
                else self.env._("%(count)s serial numbers", count=len(serials))
            )
        others = len(lots) - len(serials)
        if others:
            parts.append(
                self.env._("1 lot")
                if others == 1
                else self.env._("%(count)s lots", count=others)
            )
        return self.env._(" and ").join(parts)
