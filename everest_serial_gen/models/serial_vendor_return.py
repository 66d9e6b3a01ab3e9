from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class SerialVendorReturn(models.AbstractModel):
    """The one home of the service-center loop with vendors.

    ``send`` sends serials that are in stock (normally in the Out location,
    after Generate Serial # on a return) to a vendor with a *Return to Vendor*
    transfer; ``receive`` takes them back from the vendor, repaired or
    replaced by a new serial that records which one it replaces. Both check
    everything before they create anything, and create each model in one
    batch. The wizards only collect what the user chose.

    Each step has its own file (serial_vendor_return_send.py,
    serial_vendor_return_receive.py); this one holds the transfers both
    create and log.
    """

    _name = "serial.vendor.return"
    _description = "Serials Sent to and Received from Vendors"

    @api.model
    def _create_transfers(self, groups):
        """One transfer per group ``(partner, operation type, source,
        destination, items)``, holding exactly the items: quants, or pairs
        (quant, lot to move) when the lot differs from the quant's. Returns
        the transfers, confirmed, their lines picked."""
        picking_vals, line_specs = [], []
        for partner, picking_type, source, destination, items in groups:
            pairs = [
                item if isinstance(item, tuple) else (item, item.lot_id)
                for item in items
            ]
            picking_vals.append(
                self._prepare_picking_vals(
                    partner, picking_type, source, destination, pairs
                )
            )
            line_specs.append(pairs)
        pickings = self.env["stock.picking"].create(picking_vals)
        pickings.action_confirm()
        for picking, pairs in zip(pickings, line_specs, strict=True):
            if picking.location_id.should_bypass_reservation():
                self._take_lines(picking, pairs)
            else:
                self._reserve_exactly(picking, pairs)
        return pickings

    @api.model
    def _reserve_exactly(self, picking, pairs):
        """Odoo's own reservation of ``picking``, restricted to the quants of
        ``pairs`` as they are: their lot, package and owner. Odoo moves them
        then, and nothing else; a quant it cannot take whole is refused,
        with the serial and the reason."""
        picking.do_unreserve()
        moves = picking.move_ids.grouped("product_id")
        errors = []
        for quant, lot in pairs:
            move = moves[quant.product_id]
            taken = move._update_reserved_quantity(
                quant.quantity,
                quant.location_id,
                lot_id=lot,
                package_id=quant.package_id,
                owner_id=quant.owner_id,
                strict=True,
            )
            if (
                float_compare(
                    taken,
                    quant.quantity,
                    precision_rounding=quant.product_id.uom_id.rounding,
                )
                < 0
            ):
                errors.append(
                    self.env._(
                        "%(serial)s: Odoo could not reserve it in %(location)s "
                        "as it is (its package or owner), or another transfer "
                        "holds it.",
                        serial=lot.display_name,
                        location=quant.location_id.display_name,
                    )
                )
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was sent to the vendor:\n%(errors)s",
                    errors="\n".join(errors),
                )
            )
        picking.move_ids._recompute_state()
        picking.move_ids.picked = True

    @api.model
    def _take_lines(self, picking, pairs):
        """The lines of a transfer from a location Odoo does not reserve in
        (the vendor's): exactly the items of ``pairs``, each quant moved as
        the lot given, with its package and owner."""
        # Odoo proposed lines of its own; take exactly the items asked for
        picking.move_line_ids.unlink()
        moves = picking.move_ids.grouped("product_id")
        self.env["stock.move.line"].create(
            [
                self._prepare_move_line_vals(moves[quant.product_id], quant, lot)
                for quant, lot in pairs
            ]
        )

    @api.model
    def _prepare_picking_vals(self, partner, picking_type, source, destination, pairs):
        """The values of the transfer of ``pairs`` (quant, lot): one move per
        product, for the quantity of its quants."""
        by_product = defaultdict(float)
        for quant, _lot in pairs:
            by_product[quant.product_id] += quant.quantity
        return {
            "partner_id": partner.id,
            "picking_type_id": picking_type.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "company_id": picking_type.company_id.id,
            "origin": ", ".join(
                dict.fromkeys(
                    lot.serial_picking_ids[:1].name or lot.name for _quant, lot in pairs
                )
            ),
            "move_ids": [
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": quantity,
                        "product_uom": product.uom_id.id,
                        "location_id": source.id,
                        "location_dest_id": destination.id,
                        "company_id": picking_type.company_id.id,
                        "partner_id": partner.id,
                    }
                )
                for product, quantity in by_product.items()
            ],
        }

    @api.model
    def _prepare_move_line_vals(self, move, quant, lot):
        """The picked line of ``move`` that moves ``quant`` as ``lot``."""
        picking = move.picking_id
        return {
            "move_id": move.id,
            "picking_id": picking.id,
            "product_id": quant.product_id.id,
            "product_uom_id": quant.product_id.uom_id.id,
            "lot_id": lot.id,
            "quantity": quant.quantity,
            "location_id": quant.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "package_id": quant.package_id.id,
            "owner_id": quant.owner_id.id,
            "picked": True,
        }

    @api.model
    def _log_transfers(self, pickings, transfer_body, lot_body):
        """Say on each transfer which serials it holds, and on each serial
        which transfer took it."""
        bodies = {}
        for picking in pickings:
            lots = picking.move_line_ids.lot_id
            picking._message_log(
                body=Markup(transfer_body)
                % {
                    "user": self.env.user.name,
                    "vendor": picking.partner_id.display_name,
                    "serials": Markup(", ").join(lot._get_html_link() for lot in lots),
                }
            )
            for lot in lots:
                bodies[lot.id] = Markup(lot_body) % {
                    "vendor": picking.partner_id.display_name,
                    "transfer": picking._get_html_link(),
                }
        if bodies:
            self.env["stock.lot"].browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.model
    def _action_open(self, pickings):
        """The form of the transfer, or the list of the transfers."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        if len(pickings) == 1:
            action.update(views=[(False, "form")], res_id=pickings.id)
        action.update(domain=[("id", "in", pickings.ids)], context={"create": False})
        return action
