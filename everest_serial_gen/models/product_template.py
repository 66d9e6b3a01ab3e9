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
