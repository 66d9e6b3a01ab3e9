from odoo import api, fields, models

# The sequence code of the operation type, also what a reinstall finds it by.
VENDOR_RETURN_CODE = "RTV"


class StockWarehouse(models.Model):
    """Each warehouse gets a *Return to Vendor* operation type, created with
    its other operation types (and at install for existing warehouses), so
    that serials sent to a vendor leave with their own numbering and are easy
    to find."""

    # The service-center loop is its own concern, in its own file.
    _inherit = "stock.warehouse"  # pylint: disable=consider-merging-classes-inherited

    serial_vendor_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="Return to Vendor Type",
        check_company=True,
        copy=False,
        help="The operation type of the transfers that Send to Vendor creates "
        "for the serials of this warehouse.",
    )

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        values["serial_vendor_return_type_id"] = {
            "name": self.env._(
                "%(name)s Sequence return to vendor", name=name or self.name
            ),
            "prefix": (code or self.code)
            + "/"
            + (self.serial_vendor_return_type_id.sequence_code or VENDOR_RETURN_CODE)
            + "/",
            "padding": 5,
            "company_id": self.company_id.id,
        }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        data["serial_vendor_return_type_id"] = {
            "name": self.env._("Return to Vendor"),
            "code": "outgoing",
            "use_create_lots": False,
            "use_existing_lots": True,
            # Send to Vendor takes the serials from where they are (normally
            # Out); the type does not hold on to the Out location, which an
            # administrator may remove.
            "default_location_src_id": self.lot_stock_id.id,
            "default_location_dest_id": self.env.ref(
                "stock.stock_location_suppliers", raise_if_not_found=False
            ).id,
            "sequence": next_sequence + 1,
            "sequence_code": VENDOR_RETURN_CODE,
            "company_id": self.company_id.id,
        }
        return data, next_sequence + 2

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        data["serial_vendor_return_type_id"] = {
            "active": self.active,
            "barcode": self.code.replace(" ", "").upper() + VENDOR_RETURN_CODE,
        }
        return data

    @api.model
    def _serial_install_vendor_return_types(self):
        """Give the warehouses that exist before the install their Return to
        Vendor type; after an uninstall, point to the one still there rather
        than create a second one."""
        PickingType = self.env["stock.picking.type"].with_context(active_test=False)
        for warehouse in self.search([("serial_vendor_return_type_id", "=", False)]):
            picking_type = PickingType.search(
                [
                    ("warehouse_id", "=", warehouse.id),
                    ("code", "=", "outgoing"),
                    ("sequence_code", "=", VENDOR_RETURN_CODE),
                ],
                limit=1,
            )
            if picking_type:
                picking_type.active = True
                warehouse.serial_vendor_return_type_id = picking_type
                continue
            values = warehouse._create_or_update_sequences_and_picking_types()
            if values:
                warehouse.write(values)
