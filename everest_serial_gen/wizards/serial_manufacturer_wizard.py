from odoo import api, fields, models


class SerialManufacturerWizard(models.TransientModel):
    """Second step of Generate Serial #, also opened from a serial's form:
    type the manufacturer's serial number of each generated serial."""

    _name = "serial.manufacturer.wizard"
    _description = "Assign Manufacturer Serial Numbers"

    line_ids = fields.One2many(
        "serial.manufacturer.wizard.line", "wizard_id", string="Serial Numbers"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lot_ids = self.env.context.get("serial_lot_ids") or []
        lots = self.env["stock.lot"].browse(lot_ids).exists()
        lots.check_access("write")
        values["line_ids"] = [
            fields.Command.create({"lot_id": lot.id, "manufacturer_serial": False})
            for lot in lots
        ]
        return values

    def action_apply(self):
        """Rename the serials to the manufacturer's numbers, keeping the
        generated ones as internal references; all or nothing."""
        self.ensure_one()
        names = {
            line.lot_id: line.manufacturer_serial.strip()
            for line in self.line_ids
            if line.manufacturer_serial and line.manufacturer_serial.strip()
        }
        self.env["stock.lot"]._serial_assign_manufacturer(names)
        return {"type": "ir.actions.act_window_close"}


class SerialManufacturerWizardLine(models.TransientModel):
    _name = "serial.manufacturer.wizard.line"
    _description = "Assign Manufacturer Serial Number"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "serial.manufacturer.wizard", required=True, ondelete="cascade", readonly=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="lot_id.company_id")
    product_id = fields.Many2one(related="lot_id.product_id")
    ref = fields.Char(related="lot_id.ref", string="Internal Reference")
    manufacturer_serial = fields.Char(
        string="Manufacturer's Serial #",
        help="Becomes the serial's number; the generated number is kept as its "
        "internal reference.",
    )
