from odoo import fields, models


class SerialGenerationJobLine(models.Model):
    """Receive from Vendor in the background: the serials that come back in
    place of those sent."""

    _inherit = "serial.generation.job.line"

    replacement_lot_ids = fields.Many2many(
        "stock.lot",
        "serial_generation_job_line_replacement_rel",
        "line_id",
        "lot_id",
        string="Replacements",
        check_company=True,
        help="The new serials that come back in place of serials of the line "
        "(each records which one it replaces).",
    )

    def _serial_move_pairs(self, lots):
        """A replaced serial leaves the vendor as its replacement."""
        pairs = super()._serial_move_pairs(lots)
        replacing = {
            new.serial_replaces_lot_id: new for new in self.replacement_lot_ids
        }
        return [(quant, replacing.get(lot, lot)) for quant, lot in pairs]
