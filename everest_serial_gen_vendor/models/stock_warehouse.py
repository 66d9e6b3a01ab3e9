from odoo import fields, models


class StockWarehouse(models.Model):
    """Where serials leave for their vendor: as Odoo's own Return of a vendor
    receipt sends goods back, with the return type of the warehouse's
    receipts (its delivery type by default), unless the warehouse names
    another."""

    # The service-center loop is its own concern, in its own file.
    _inherit = "stock.warehouse"

    serial_vendor_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="Operation Type for Vendor Returns",
        domain="[('code', '=', 'outgoing'), ('warehouse_id', '=', id)]",
        check_company=True,
        copy=False,
        help="The operation type of the transfers that Send to Vendor creates "
        "for the serials of this warehouse. Empty: the return type of its "
        "receipts, as Odoo's Return of a vendor receipt uses.",
    )

    def _serial_vendor_return_type(self):
        self.ensure_one()
        return (
            self.serial_vendor_return_type_id
            or self.in_type_id.return_picking_type_id
            or self.out_type_id
        )
