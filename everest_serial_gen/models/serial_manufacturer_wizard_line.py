from odoo import fields, models


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
