from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class SerialVendorReturn(models.AbstractModel):
    # Receiving from the vendor is its own business step, in its own file.
    _inherit = "serial.vendor.return"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def receive(self, lines, location=None, validate=True):
        """Take back from their vendor the serials of ``lines``, a list of
        ``(lot, replace, new_name)``: the same serial, repaired, when
        ``replace`` is false; otherwise a new serial named ``new_name`` (the
        manufacturer's) or drawn from the serial sequence when empty, linked
        to the one it replaces. The items go to ``location``, by default the
        location they left from for the vendor. Returns the receipts."""
        if not lines:
            raise UserError(self.env._("Select the serial numbers to receive."))
        originals = self.env["stock.lot"].browse([lot.id for lot, *_rest in lines])
        originals.check_access("read")
        self.env["stock.picking"].check_access("create")
        if len(originals) != len(set(originals.ids)):
            raise UserError(self.env._("Each serial number can be received once."))
        location = self._check_receive_location(location)
        plan = self._receive_plan(lines, self._receive_sources(originals), location)
        new_lots = self._create_replacements(
            [
                (lot, vendor_line.company_id, name)
                for lot, _quant, vendor_line, replace, name in plan
                if replace
            ]
        )
        pickings = self._create_transfers(
            self._receive_groups(plan, new_lots, location)
        )
        if validate:
            pickings._serial_validate_done()
        self._log_transfers(
            pickings,
            self.env._(
                "%(user)s received these serial numbers from %(vendor)s: %(serials)s"
            ),
            self.env._("Received from vendor %(vendor)s with %(transfer)s."),
        )
        for original, new in new_lots.items():
            original._message_log(
                body=Markup(
                    self.env._("Replaced by %(serial)s, received from the vendor.")
                )
                % {"serial": new._get_html_link()}
            )
        return pickings

    @api.model
    def _check_receive_location(self, location):
        """The location chosen for the items, if any, read from the database:
        it must be internal."""
        if not location:
            return location
        location = self.env["stock.location"].browse(location.ids)
        if location.usage != "internal":
            raise UserError(
                self.env._(
                    "The items must go to an internal location, not %(location)s.",
                    location=location.display_name,
                )
            )
        return location

    @api.model
    def _receive_plan(self, lines, sent, location):
        """``lines`` with what ``_receive_sources`` found (``sent``): a list of
        (original, quant at the vendor, line that sent it, replace, new name);
        refuse, in one error, every line that cannot be received so."""
        plan, errors = [], []
        for lot, replace, new_name in lines:
            quant, vendor_line = sent[lot]
            company = vendor_line.company_id
            if location and location.company_id != company:
                errors.append(
                    self.env._(
                        "%(serial)s belongs to %(company)s, not to the company "
                        "of %(location)s.",
                        serial=lot.display_name,
                        company=company.display_name,
                        location=location.display_name,
                    )
                )
            name = (new_name or "").strip() or None
            if not replace and name:
                errors.append(
                    self.env._(
                        "%(serial)s comes back repaired under its own number: "
                        "give a new serial number only for a replacement.",
                        serial=lot.display_name,
                    )
                )
            plan.append((lot, quant, vendor_line, bool(replace), name))
        self._check_nothing_wrong(errors)
        return plan

    @api.model
    def _sent_from(self, lots):
        """The internal locations ``lots`` last left from for a vendor."""
        # Sudo: where a serial left from may be a location the user cannot
        # read; only the locations are returned, to propose them.
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "supplier"),
                    ("location_id.usage", "=", "internal"),
                ],
                order="date desc, id desc",
            )
        )
        last = {}
        for line in lines:
            last.setdefault(line.lot_id, line.location_id.id)
        return self.env["stock.location"].browse(set(last.values()))

    @api.model
    def _receive_groups(self, plan, new_lots, location):
        """The receipts to create, as ``_create_transfers`` takes them: by
        vendor, the warehouse's receipt type, vendor location and destination
        (``location``, else the location the serial left from), each item
        the quant at the vendor and the lot that comes back."""
        groups = defaultdict(list)
        for lot, quant, vendor_line, _replace, _name in plan:
            warehouse = vendor_line.picking_type_id.warehouse_id
            key = (
                vendor_line.picking_id.partner_id,
                warehouse.in_type_id,
                quant.location_id,
                location or vendor_line.location_id,
            )
            groups[key].append((quant, new_lots.get(lot, lot)))
        return [(*key, items) for key, items in groups.items()]

    @api.model
    def _receive_sources(self, originals):
        """For each serial, its quant at the vendor and the done move line
        that sent it there; refuse, in one error, the ones not at a vendor."""
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", originals.ids),
                ("location_id.usage", "=", "supplier"),
                ("quantity", ">", 0),
            ]
        )
        by_lot = quants.grouped("lot_id")
        sent_lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", originals.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "supplier"),
                ("location_id.usage", "=", "internal"),
            ],
            order="date desc, id desc",
        )
        last_sent = {}
        for line in sent_lines:
            last_sent.setdefault(line.lot_id, line)
        errors, sources = [], {}
        for lot in originals:
            quant = by_lot.get(lot, self.env["stock.quant"])[:1]
            line = last_sent.get(lot)
            if not quant or not line or lot.serial_replaced_by_ids:
                errors.append(
                    self.env._(
                        "%(serial)s is not at a vendor: send it with Send to "
                        "Vendor first.",
                        serial=lot.display_name,
                    )
                )
                continue
            if not line.picking_type_id.warehouse_id or not line.picking_id.partner_id:
                errors.append(
                    self.env._(
                        "%(serial)s left with %(transfer)s, which has no warehouse "
                        "or no vendor.",
                        serial=lot.display_name,
                        transfer=line.reference,
                    )
                )
                continue
            sources[lot] = (quant, line)
        self._check_nothing_wrong(errors)
        return sources

    @api.model
    def _create_replacements(self, items):
        """Create the replacement serials of ``items`` (original, company,
        name or None) in one batch; return {original: replacement}."""
        if not items:
            return {}
        numbering = self.env["serial.numbering"]
        typed = defaultdict(list)
        for lot, company, name in items:
            if name:
                typed[(company, lot.product_id)].append(name)
        for (company, product), names in typed.items():
            numbering._check_names(
                numbering._lot_company(company, product), product, names
            )
        names = []
        for lot, company, name in items:
            if not name:
                key = (company, lot.product_id)
                (name,) = numbering._draw_names(
                    company, lot.product_id, 1, taken=typed[key]
                )
                typed[key].append(name)
            names.append(name)
        now = fields.Datetime.now()
        # Sudo: the link to the replaced serial and the provenance are the
        # addon's only (models/field_guard.py); the user's access to the
        # serials was checked above.
        new_lots = (
            self.env["stock.lot"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "product_id": lot.product_id.id,
                        "company_id": numbering._lot_company(
                            company, lot.product_id
                        ).id,
                        "serial_replaces_lot_id": lot.id,
                        "serial_origin": "replacement",
                        "serial_customer_id": lot.serial_customer_id.id,
                        "serial_generated_date": now,
                    }
                    for (lot, company, _name), name in zip(items, names, strict=True)
                ]
            )
            .sudo(False)
        )
        return {
            lot: new
            for (lot, _company, _name), new in zip(items, new_lots, strict=True)
        }

    @api.model
    def _check_nothing_wrong(self, errors):
        """Refuse the whole receipt, listing every serial that cannot come."""
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was received:\n%(errors)s", errors="\n".join(errors)
                )
            )
