from odoo import api, fields, models


class SerialVendorReceiveWizard(models.TransientModel):
    """Receive from Vendor: for each serial at a vendor, whether it comes
    back repaired or replaced, and the replacement's number;
    ``serial.vendor.return`` does the rest."""

    _name = "serial.vendor.receive.wizard"
    _description = "Receive Serials from a Vendor"

    line_ids = fields.One2many(
        "serial.vendor.receive.wizard.line", "wizard_id", string="Serial Numbers"
    )
    location_dest_id = fields.Many2one(
        "stock.location",
        string="Destination",
        domain="[('usage', '=', 'internal')]",
        help="Where the items go. Empty: the stock of the warehouse they left from, "
        "where the usual delivery picks them for the customer.",
    )
    validate_transfer = fields.Boolean(string="Validate at Once", default=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lots = self.env["stock.lot"]._serial_lots_from_context()
        values["line_ids"] = [
            fields.Command.create({"lot_id": lot.id, "replace": False}) for lot in lots
        ]
        return values

    def action_receive(self):
        self.ensure_one()
        pickings = self.env["serial.vendor.return"].receive(
            [(line.lot_id, line.replace, line.new_serial) for line in self.line_ids],
            location=self.location_dest_id or None,
            validate=self.validate_transfer,
        )
        return self.env["serial.vendor.return"]._action_open(pickings)


class SerialVendorReceiveWizardLine(models.TransientModel):
    _name = "serial.vendor.receive.wizard.line"
    _description = "Receive a Serial from a Vendor"

    wizard_id = fields.Many2one(
        "serial.vendor.receive.wizard", required=True, ondelete="cascade", readonly=True
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Serial Number", required=True, readonly=True
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    replace = fields.Boolean(
        string="Replaced",
        help="The vendor sends another item in place of this one: it gets a new "
        "serial number, linked to this one.",
    )
    new_serial = fields.Char(
        string="New Serial #",
        help="The replacement's serial number, for example the manufacturer's. "
        "Empty: the next number of the serial sequence.",
    )
