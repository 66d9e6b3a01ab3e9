from odoo import api, fields, models

from ..compat import PRODUCT_LOT_SEQUENCE


class ProductTemplate(models.Model):
    _inherit = "product.template"

    serial_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Serial Number Sequence",
        check_company=True,
        copy=False,
        help="Numbers the serials that Generate Serial # creates for this "
        "product. Empty: the company's sequence.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("serial_sequence_id") for vals in vals_list):
            self.env["res.company"]._serial_check_configurator()
        return super().create(vals_list)

    def write(self, vals):
        # Product editors are many; the serial numbering is an Inventory
        # administrator's setting, as the company's.
        if "serial_sequence_id" in vals:
            self.env["res.company"]._serial_check_configurator()
        return super().write(vals)

    @api.model
    def _serial_show_sequence_view(self, view_id):
        """From the view's data file: the product form shows the addon's
        sequence up to 18.0 only. Since 19.0 the product's own lot_sequence_id
        ("Custom Lot/Serial") numbers its serials instead."""
        self.env["ir.ui.view"].browse(view_id).active = not PRODUCT_LOT_SEQUENCE
