from odoo import models


class StockMoveLine(models.Model):
    # The service-center loop is its own concern, in its own file.
    _inherit = "stock.move.line"

    def _serial_service_step(self):
        """The step of the service loop this move line is, as the serial's
        service history names it: read from where the item went, so that
        it holds for Odoo's own transfers too."""
        self.ensure_one()
        source, destination = self.location_id.usage, self.location_dest_id.usage
        if source == "customer" and destination == "internal":
            document = self.picking_id._serial_document()
            if document and document != self.picking_id:
                return self.env._(
                    "%(document)s receipt", document=document._serial_origin()[1]
                )
            return self.env._("Customer return")
        if source == "internal" and destination == "supplier":
            return self.env._("Vendor return")
        if source == "supplier" and destination == "internal":
            return self.env._("Vendor receipt")
        if source == "internal" and destination == "customer":
            return self.env._("Delivery to customer")
        if source == "internal" and destination == "internal":
            return self.env._("Internal transfer")
        return self.env._(
            "%(source)s to %(destination)s", source=source, destination=destination
        )
