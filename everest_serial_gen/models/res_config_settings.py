from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    serial_stock_location_id = fields.Many2one(
        related="company_id.serial_stock_location_id", readonly=False
    )
    serial_out_location_id = fields.Many2one(
        related="company_id.serial_out_location_id", readonly=False
    )
    serial_sequence_prefix = fields.Char(
        related="company_id.serial_sequence_id.prefix", readonly=False
    )
    serial_sequence_padding = fields.Integer(
        related="company_id.serial_sequence_id.padding", readonly=False
    )
    serial_batch_size = fields.Integer(
        related="company_id.serial_batch_size", readonly=False
    )
