from odoo import api, models, tools

# What a user may not change on a line of a transfer a background job fills
JOB_HELD_LINE_FIELDS = {
    "lot_id",
    "lot_name",
    "quantity",
    "product_id",
    "product_uom_id",
    "location_id",
    "location_dest_id",
    "package_id",
    "result_package_id",
    "owner_id",
    "move_id",
    "picking_id",
}


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        pickings = {vals["picking_id"] for vals in vals_list if vals.get("picking_id")}
        moves = {vals["move_id"] for vals in vals_list if vals.get("move_id")}
        if pickings or moves:
            # a background job's transfer takes no line but its own
            (
                self.env["stock.picking"].browse(pickings)
                | self.env["stock.move"].browse(moves).picking_id
            )._serial_check_not_in_job()
        return super().create(vals_list)

    def write(self, vals):
        if JOB_HELD_LINE_FIELDS.intersection(vals):
            self.picking_id._serial_check_not_in_job()
        return super().write(vals)

    @api.model
    @tools.ormcache()
    def _serial_fields_from_lot(self):
        """The stored fields of a line that Odoo computes from the field of
        the same name of its lot (product_expiry's ``expiration_date``):
        what a line of a known lot holds."""
        Lot = self.env["stock.lot"]
        return tuple(
            name
            for name, field in self._fields.items()
            if field.store
            and field.compute
            and name in Lot._fields
            and f"lot_id.{name}" in field.get_depends(self)[0]
        )
