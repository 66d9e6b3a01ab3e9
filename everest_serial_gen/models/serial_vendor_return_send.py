from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError


class SerialVendorReturn(models.AbstractModel):
    # Sending to the vendor is its own business step, in its own file.
    _inherit = "serial.vendor.return"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def send(self, lots, partner, validate=True):
        """Send ``lots`` to the vendor ``partner``: one transfer per company,
        warehouse and source location (one per vendor in the usual case, the
        serials all in the Out location). Returns the transfers."""
        lots = self.env["stock.lot"].browse(lots.ids).exists()
        if not lots:
            raise UserError(self.env._("Select the serial numbers to send."))
        lots.check_access("read")
        self.env["stock.picking"].check_access("create")
        partner = self._check_vendor(partner)
        groups = self._send_groups(lots, partner)
        pickings = self._create_transfers(
            [
                (partner, picking_type, location, vendor_location, quants)
                for (
                    _company,
                    picking_type,
                    location,
                    vendor_location,
                ), quants in groups.items()
            ],
        )
        if validate:
            pickings._serial_validate_done()
        self._log_transfers(
            pickings,
            self.env._("%(user)s sent these serial numbers to %(vendor)s: %(serials)s"),
            self.env._("Sent to vendor %(vendor)s with %(transfer)s."),
        )
        return pickings

    @api.model
    def _check_vendor(self, partner):
        partner = self.env["res.partner"].browse(partner.ids).exists()
        if len(partner) != 1:
            raise UserError(self.env._("Choose the vendor to send the serials to."))
        partner.check_access("read")
        return partner

    @api.model
    def _send_groups(self, lots, partner):
        """The quants to send, by (company, operation type, source location,
        vendor location); refuse, in one error, every serial that cannot go."""
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", lots.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
            ]
        )
        by_lot = quants.grouped("lot_id")
        errors = []
        groups = defaultdict(lambda: self.env["stock.quant"])
        for lot in lots:
            lot_quants = by_lot.get(lot, self.env["stock.quant"])
            key, error = None, self._send_stock_error(lot, lot_quants)
            if not error:
                key, error = self._send_group_key(lot, lot_quants, partner)
            if error:
                errors.append(error)
            else:
                groups[key] |= lot_quants
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was sent to the vendor:\n%(errors)s",
                    errors="\n".join(errors),
                )
            )
        return groups

    @api.model
    def _send_stock_error(self, lot, quants):
        """Why ``lot``, held by ``quants``, cannot be sent from where it is,
        or None: it leaves from one internal location, reserved for nothing
        else."""
        if not quants:
            return self.env._(
                "%(serial)s is not in stock in an internal location.",
                serial=lot.display_name,
            )
        if len(quants.location_id) > 1:
            return self.env._(
                "%(serial)s is in several locations: %(locations)s.",
                serial=lot.display_name,
                locations=", ".join(quants.location_id.mapped("display_name")),
            )
        if any(quant.reserved_quantity > 0 for quant in quants):
            return self.env._(
                "%(serial)s is reserved for another transfer.",
                serial=lot.display_name,
            )
        return None

    @api.model
    def _send_group_key(self, lot, quants, partner):
        """``(key, error)``: the transfer ``lot`` goes with, as (company,
        operation type, source location, vendor location), or why none can
        take it to ``partner``."""
        location = quants.location_id
        company = quants.company_id[:1] or location.company_id
        warehouse = location.warehouse_id
        if not warehouse:
            return None, self.env._(
                "%(serial)s is in %(location)s, which belongs to no warehouse.",
                serial=lot.display_name,
                location=location.display_name,
            )
        picking_type = warehouse._serial_vendor_return_type()
        if partner.company_id and partner.company_id != company:
            return None, self.env._(
                "%(serial)s belongs to %(company)s, and the vendor "
                "%(vendor)s to another company.",
                serial=lot.display_name,
                company=company.display_name,
                vendor=partner.display_name,
            )
        vendor_location = partner.with_company(company).property_stock_supplier
        if vendor_location.usage != "supplier":
            return None, self.env._(
                "The vendor location of %(vendor)s in %(company)s is not a "
                "vendor location.",
                vendor=partner.display_name,
                company=company.display_name,
            )
        return (company, picking_type, location, vendor_location), None
