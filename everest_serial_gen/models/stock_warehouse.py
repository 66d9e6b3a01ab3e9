from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    serial_out_location_id = fields.Many2one(
        "stock.location",
        string="Out Location for Returns",
        domain="[('usage', '=', 'internal'), ('warehouse_id', '=', id)]",
        check_company=True,
        help="Where Generate Serial # puts the items of this warehouse's "
        "customer returns. Empty: the company's Out "
        "location.",
    )
    serial_stock_location_id = fields.Many2one(
        "stock.location",
        string="Stock Location for Credit Notes",
        domain="[('usage', '=', 'internal'), ('warehouse_id', '=', id)]",
        check_company=True,
        help="Where Generate Serial # brings the items of credit notes "
        "whose "
        "sale order ships from this warehouse. Empty: the company's Stock "
        "location.",
    )

    serial_picking_type_id = fields.Many2one(
        "stock.picking.type",
        string="Operation Type for Credit Notes",
        domain="[('code', '=', 'incoming'), ('warehouse_id', '=', id)]",
        check_company=True,
        help="The operation type of the receipts that Generate Serial # creates "
        "for credit notes. Empty: the warehouse's Receipts.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses.company_id._serial_set_default_locations()
        return warehouses

    def _create_missing_locations(self, vals):
        # Odoo calls this on every write of a warehouse, to recreate missing
        # locations: an Out location the admin cleared must stay cleared (the
        # company's is used then). It is created at install, and with the
        # warehouse (_get_locations_values).
        if not self.env.context.get("serial_create_out_location"):
            self = self.with_context(serial_skip_out_location=True)
        return super()._create_missing_locations(vals)

    def _serial_reuse_out_locations(self):
        """Point warehouses without an Out location to the one a previous
        install created in them, if it is still there."""
        Location = self.env["stock.location"].with_context(active_test=False)
        for warehouse in self.filtered(lambda w: not w.serial_out_location_id):
            children = [
                ("location_id", "=", warehouse.view_location_id.id),
                ("usage", "=", "internal"),
            ]
            location = Location.search(
                [*children, ("barcode", "=", self._serial_out_barcode(warehouse.code))],
                limit=1,
            ) or Location.search([*children, ("name", "=", "Returns Out")], limit=1)
            if location:
                location.active = True
                warehouse.serial_out_location_id = location

    @api.model
    def _serial_out_barcode(self, code):
        return (code or "").replace(" ", "").upper() + "RETOUT"

    def _get_locations_values(self, vals, code=False):
        """Create the Out location with the warehouse's other locations."""
        values = super()._get_locations_values(vals, code=code)
        if self.env.context.get("serial_skip_out_location"):
            return values
        company_id = vals.get(
            "company_id", self.default_get(["company_id"])["company_id"]
        )
        values["serial_out_location_id"] = {
            "name": self.env._("Returns Out"),
            "active": True,
            "usage": "internal",
            "barcode": self._valid_barcode(
                self._serial_out_barcode(vals.get("code") or code), company_id
            ),
        }
        return values

    @api.constrains("serial_picking_type_id")
    def _check_serial_picking_type(self):
        for warehouse in self:
            picking_type = warehouse.serial_picking_type_id
            if picking_type and (
                picking_type.code != "incoming"
                or picking_type.warehouse_id != warehouse
            ):
                raise ValidationError(
                    self.env._(
                        "The operation type of credit note receipts must be a "
                        "receipt type of warehouse %(warehouse)s.",
                        warehouse=warehouse.display_name,
                    )
                )

    @api.constrains("serial_out_location_id", "serial_stock_location_id")
    def _check_serial_locations(self):
        for warehouse in self:
            for location in (
                warehouse.serial_out_location_id,
                warehouse.serial_stock_location_id,
            ):
                if location and (
                    location.usage != "internal"
                    or not location._child_of(warehouse.view_location_id)
                ):
                    raise ValidationError(
                        self.env._(
                            "%(location)s cannot receive generated serials for "
                            "warehouse %(warehouse)s: it must be an internal "
                            "location of that warehouse.",
                            location=location.display_name,
                            warehouse=warehouse.display_name,
                        )
                    )
