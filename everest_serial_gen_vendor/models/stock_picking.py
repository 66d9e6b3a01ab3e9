from odoo import fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    """A customer return follows its items to the vendor: a smart button to
    the vendor returns of its serials, and Send to Vendor in its Action menu."""

    _inherit = "stock.picking"

    serial_vendor_return_count = fields.Integer(
        string="Vendor Returns", compute="_compute_serial_vendor_return_count"
    )

    def _serial_vendor_returns(self):
        """The transfers that sent serials of this customer return to a vendor."""
        self.ensure_one()
        if self.location_id.usage != "customer" or not self.move_line_ids.lot_id:
            return self.browse()
        return self.search(
            [
                ("move_line_ids.lot_id", "in", self.move_line_ids.lot_id.ids),
                ("location_dest_id.usage", "=", "supplier"),
                ("picking_type_code", "=", "outgoing"),
            ]
        )

    def _compute_serial_vendor_return_count(self):
        for picking in self:
            picking.serial_vendor_return_count = (
                len(picking._serial_vendor_returns()) if picking.id else 0
            )

    def action_view_serial_vendor_returns(self):
        self.ensure_one()
        returns = self._serial_vendor_returns()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        if len(returns) == 1:
            action.update(views=[(False, "form")], res_id=returns.id)
        action.update(
            name=self.env._("Vendor Returns of %(document)s", document=self.name),
            domain=[("id", "in", returns.ids)],
            context={"create": False},
        )
        return action

    def action_serial_send_to_vendor(self):
        """Send to Vendor on the serials of this transfer still in stock."""
        self.ensure_one()
        self.check_access("read")
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", self.move_line_ids.lot_id.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
            ]
        )
        if not quants:
            raise UserError(
                self.env._(
                    "No serial number of %(document)s is in stock: there is "
                    "nothing to send to a vendor.",
                    document=self.display_name,
                )
            )
        return quants.lot_id.action_send_to_vendor()
