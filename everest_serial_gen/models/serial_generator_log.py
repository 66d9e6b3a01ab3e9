from markupsafe import Markup

from odoo import api, models

# The chatter shows this many serials as links; a batch of thousands is
# summed up after them.
SERIAL_LOG_LINKS = 50


class SerialGenerator(models.AbstractModel):
    """What a generation tells the document's chatter."""

    _inherit = "serial.generator"

    @api.model
    def _log_generation(self, document, lots, location, attached=None, retrieved=None):
        """Say in the document's chatter what was done: serials generated,
        attached (brought back) or retrieved (taken as received)."""
        parts = []
        for verb, group in (
            (self.env._("generated"), lots),
            (self.env._("attached"), attached),
        ):
            if group:
                parts.append(
                    Markup(
                        self.env._(
                            "%(user)s %(verb)s %(what)s, into %(location)s: "
                            "%(serials)s"
                        )
                    )
                    % {
                        "user": self.env.user.name,
                        "verb": verb,
                        "what": self._describe_lots(group),
                        "location": location.display_name,
                        "serials": self._lot_links(group),
                    }
                )
        if retrieved:
            parts.append(
                Markup(
                    self.env._(
                        "%(user)s retrieved %(what)s, already in stock: %(serials)s"
                    )
                )
                % {
                    "user": self.env.user.name,
                    "what": self._describe_lots(retrieved),
                    "serials": self._lot_links(retrieved),
                }
            )
        document._message_log(body=Markup("<br/>").join(parts))

    @api.model
    def _describe_generation(self, job):
        """What a generation did, as users count it: "2 serial numbers
        attached and 1 serial number generated into WH/Stock; 1 serial
        number retrieved, already in stock"."""
        lines = job.line_ids
        attached = lines.filtered(lambda line: line.kind == "attach").attach_lot_ids
        retrieved = lines.filtered(
            lambda line: line.kind == "retrieve"
        ).retrieved_line_ids.lot_id
        generated = job.lot_ids - attached - retrieved
        moved = [
            self.env._("%(what)s generated", what=self._describe_lots(generated))
            if generated
            else None,
            self.env._("%(what)s attached", what=self._describe_lots(attached))
            if attached
            else None,
        ]
        moved = [part for part in moved if part]
        sentences = []
        if moved:
            sentences.append(
                self.env._(
                    "%(what)s into %(location)s",
                    what=self.env._(" and ").join(moved),
                    location=job.location_dest_id.display_name,
                )
            )
        if retrieved:
            sentences.append(
                self.env._(
                    "%(what)s retrieved, already in stock",
                    what=self._describe_lots(retrieved),
                )
            )
        return "; ".join(sentences)

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
