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
        help="Where the items go: by default where they left from for the vendor "
        "(the Out location of their return). Empty: each to where it left from.",
    )
    location_note = fields.Char(
        string="Where the Items Go", compute="_compute_location_note"
    )
    validate_transfer = fields.Boolean(string="Validate at Once", default=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lots = self.env["stock.lot"]._serial_lots_from_context()
        values["line_ids"] = [
            fields.Command.create({"lot_id": lot.id, "replace": False}) for lot in lots
        ]
        if "location_dest_id" in fields_list and lots:
            origins = self.env["serial.vendor.return"]._sent_from(lots)
            if len(origins) == 1:
                values["location_dest_id"] = origins.id
        return values

    @api.depends("location_dest_id", "line_ids.lot_id")
    def _compute_location_note(self):
        for wizard in self:
            origins = self.env["serial.vendor.return"]._sent_from(
                wizard.line_ids.lot_id._origin
            )
            if not wizard.location_dest_id:
                wizard.location_note = self.env._(
                    "Each item comes back into the location it left from for the "
                    "vendor."
                )
            elif wizard.location_dest_id in origins:
                wizard.location_note = self.env._(
                    "The items come back into %(location)s, where they left from "
                    "for the vendor.",
                    location=wizard.location_dest_id.display_name,
                )
            else:
                wizard.location_note = self.env._(
                    "The items come back into %(location)s.",
                    location=wizard.location_dest_id.display_name,
                )

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
