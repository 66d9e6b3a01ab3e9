"""A document type with Generate Serial #, as README's "How to add a
document type" shows it: this file and one view, nothing else."""

from odoo import fields, models

from odoo.addons.everest_serial_gen.tools.serial_plan import SerialQuantities


class TestSerialReturn(models.Model):
    _name = "test.serial.return"
    _inherit = ["serial.generate.mixin", "mail.thread"]
    _description = "Test Return"
    _serial_lines_field = "line_ids"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    line_ids = fields.One2many("test.serial.return.line", "return_id")
    serial_lot_ids = fields.Many2many(
        "stock.lot", "test_serial_return_lot_rel", "return_id", "lot_id"
    )

    def _serial_document_error(self):
        self.ensure_one()
        return None if self.state == "draft" else self.env._("It is done.")

    def _serial_default_location(self):
        return self.company_id.serial_stock_location_id


class TestSerialReturnLine(models.Model):
    _name = "test.serial.return.line"
    _inherit = "serial.generate.line.mixin"
    _description = "Test Return Line"

    return_id = fields.Many2one("test.serial.return", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="return_id.company_id")
    product_id = fields.Many2one("product.product", required=True)
    quantity = fields.Float(default=1.0)

    def _serial_is_eligible(self, document):
        self.ensure_one()
        return self.product_id.is_storable and self.product_id.tracking == "serial"

    def _serial_quantities(self, document):
        self.ensure_one()
        lots = self.return_id.serial_lot_ids.filtered(
            lambda lot: lot.product_id == self.product_id
        )
        return SerialQuantities(self.quantity, float(len(lots)))
