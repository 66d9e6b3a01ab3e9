from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    serial_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Serial Number Sequence",
        check_company=True,
        help="Numbers the serials that Generate Serial # creates for this "
        "product. Empty: the company's sequence.",
    )

    def write(self, vals):
        # Product editors are many; the serial numbering is an Inventory
        # administrator's setting, as the company's.
        if "serial_sequence_id" in vals:
            self.env["res.company"]._serial_check_configurator()
        return super().write(vals)
