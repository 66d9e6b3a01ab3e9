from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class SerialVendorReturn(models.AbstractModel):
    """The one home of the service-center loop with vendors.

    ``send`` sends serials that are in stock (normally in the Out location,
    after Generate Serial # on a return) to a vendor with a *Return to Vendor*
    transfer; ``receive`` takes them back from the vendor, repaired or
    replaced by a new serial that records which one it replaces. Both check
    everything before they create anything, and create each model in one
    batch. The wizards only collect what the user chose.

    ``send`` and ``receive`` first, then the transfers both create and log.
    """

    _name = "serial.vendor.return"
    _description = "Serials Sent to and Received from Vendors"

    @api.model
    def _run_groups(self, operation, groups, validate):
        """One transfer per group ``(partner, operation type, source,
        destination, items)``, holding exactly the items: quants, or pairs
        (quant, lot to move) when the lot differs from the quant's; each run
        by ``operation`` (Send or Receive) through a generation, at once or
        in the background. Returns the transfers."""
        pickings, line_specs = self._create_draft_transfers(groups)
        Job = self.env["serial.generation.job"]
        for picking, pairs in zip(pickings, line_specs, strict=True):
            Job._serial_submit(operation, picking, pairs, validate=validate)
        return pickings

    @api.model
    def _create_draft_transfers(self, groups):
        """The transfers of ``groups`` (see _run_groups), draft, and for
        each the pairs (quant, lot to move) it holds."""
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
        return self.env["stock.picking"].create(picking_vals), line_specs

    @api.model
    def _movable(self, pairs):
        """Whether a job may move ``pairs`` chunk by chunk: it moves one
        whole quant per serial, so lots, or a serial held by several
        quants, are moved at once."""
        lots = [quant.lot_id for quant, _lot in pairs]
        return len(set(lots)) == len(lots) and all(
            lot.product_id.tracking == "serial" for lot in lots
        )

    @api.model
    def _reserve_exactly(self, picking, pairs):
        """Odoo's own reservation of ``picking``, restricted to the quants of
        ``pairs`` as they are: their lot, package and owner. Odoo moves them
        then, and nothing else; a quant it cannot take whole is refused,
        with the serial and the reason."""
        failed = picking.move_ids._serial_reserve_quants(
            [(quant, quant.quantity) for quant, _lot in pairs]
        )
        errors = [
            self.env._(
                "%(serial)s: Odoo could not reserve it in %(location)s "
                "as it is (its package or owner), or another transfer "
                "holds it.",
                serial=quant.lot_id.display_name,
                location=quant.location_id.display_name,
            )
            for quant in failed
        ]
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was sent to the vendor:\n%(errors)s",
                    errors="\n".join(errors),
                )
            )
        picking.move_ids.picked = True

    @api.model
    def _take_lines(self, picking, pairs):
        """The lines of a transfer from a location Odoo does not reserve in
        (the vendor's): Odoo's own, as its receipts make them at
        confirmation, numbered with the lots of ``pairs``, each quant coming
        back as the lot given, from where the serial is at the vendor
        (``stock.move._serial_fill``)."""
        moves = picking.move_ids.grouped("product_id")
        self.env["stock.move"]._serial_fill(
            [
                (moves[quant.product_id], lot, quant.quantity, quant.lot_id)
                for quant, lot in pairs
            ]
        )
        if picking.state == "draft":
            picking.action_confirm()

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
            "origin": self._transfer_origin(source, pairs),
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
    def _transfer_origin(self, source, pairs):
        """The Source Document of a transfer of ``pairs`` (quant, lot), as a
        user looks for it: coming back from the vendor (``source`` a vendor
        location), the vendor returns that took the serials there; going to
        the vendor, the documents that generated them."""
        if source.usage == "supplier":
            # Sudo: which transfer sent a serial names the document, whatever
            # transfers the user may read; only their names are shown.
            sent = (
                self.env["stock.move.line"]
                .sudo()
                .search(
                    [
                        ("lot_id", "in", [quant.lot_id.id for quant, _lot in pairs]),
                        ("location_dest_id", "=", source.id),
                        ("state", "=", "done"),
                    ],
                    order="date desc, id desc",
                )
            )
            last = {}
            for line in sent:
                last.setdefault(line.lot_id, line.picking_id)
            names = [
                last[quant.lot_id].name
                for quant, _lot in pairs
                if last.get(quant.lot_id)
            ]
        else:
            names = [
                lot.sudo().serial_job_ids[:1].document_name or lot.name
                for _quant, lot in pairs
            ]
        return ", ".join(dict.fromkeys(names)) or False

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
            self.env["stock.lot"].browse(list(bodies))._serial_log_each(bodies)

    @api.model
    def _action_open(self, pickings):
        """The form of the transfer, or the list of the transfers; after
        the notification that they run in the background, if they do."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        if len(pickings) == 1:
            action.update(views=[(False, "form")], res_id=pickings.id)
        action.update(domain=[("id", "in", pickings.ids)], context={"create": False})
        jobs = pickings._serial_running_jobs()
        if not jobs:
            return action
        notification = jobs[:1]._notification_action()
        notification["params"]["next"] = action
        return notification

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
        groups = [
            (partner, picking_type, location, vendor_location, quants)
            for (
                _company,
                picking_type,
                location,
                vendor_location,
            ), quants in self._send_groups(lots, partner).items()
        ]
        return self._run_groups(self.env["serial.vendor.send"], groups, validate)

    @api.model
    def _log_sent(self, pickings):
        self._log_transfers(
            pickings,
            self.env._("%(user)s sent these serial numbers to %(vendor)s: %(serials)s"),
            self.env._("Sent to vendor %(vendor)s with %(transfer)s."),
        )

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
        busy = self.env["serial.chunked.transfer"].busy_lots(lots)
        errors = []
        # ids, not recordsets: a union per serial would copy the group each time
        groups = defaultdict(list)
        for lot in lots:
            lot_quants = by_lot.get(lot, self.env["stock.quant"])
            key, error = None, self._send_stock_error(lot, lot_quants)
            if lot in busy:
                error = self._busy_error(lot)
            if not error:
                key, error = self._send_group_key(lot, lot_quants, partner)
            if error:
                errors.append(error)
            else:
                groups[key] += lot_quants.ids
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was sent to the vendor:\n%(errors)s",
                    errors="\n".join(errors),
                )
            )
        Quant = self.env["stock.quant"]
        return {key: Quant.browse(quant_ids) for key, quant_ids in groups.items()}

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
    def _busy_error(self, lot):
        return self.env._(
            "%(serial)s is being moved in the background by another operation.",
            serial=lot.display_name,
        )

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
        groups = self._receive_groups(plan, new_lots, location)
        return self._run_groups(self.env["serial.vendor.receive"], groups, validate)

    @api.model
    def _log_received(self, pickings, replacements):
        self._log_transfers(
            pickings,
            self.env._(
                "%(user)s received these serial numbers from %(vendor)s: %(serials)s"
            ),
            self.env._("Received from vendor %(vendor)s with %(transfer)s."),
        )
        for new in replacements:
            new.serial_replaces_lot_id._message_log(
                body=Markup(
                    self.env._("Replaced by %(serial)s, received from the vendor.")
                )
                % {"serial": new._get_html_link()}
            )

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
        """For each serial, where it is at the vendor (its ``Stay``, read as
        a quant: the last move that took it there, whatever the vendor's
        quants sum to after earlier trips) and the done move line that sent
        it there; refuse, in one error, the ones not at a vendor."""
        at_vendor = originals._serial_stays("supplier")
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
        busy = self.env["serial.chunked.transfer"].busy_lots(originals)
        errors, sources = [], {}
        for lot in originals:
            if lot in busy:
                errors.append(self._busy_error(lot))
                continue
            quant = at_vendor.get(lot)
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
        Lot = self.env["stock.lot"]
        typed = defaultdict(list)
        for lot, company, name in items:
            if name:
                typed[(company, lot.product_id)].append(name)
        for (company, product), names in typed.items():
            Lot._serial_check_names(
                Lot._serial_lot_company(company, product), product, names
            )
        # one draw per product and company for the replacements without a
        # typed name, past the names typed in this batch
        untyped = defaultdict(int)
        for lot, company, name in items:
            if not name:
                untyped[(company, lot.product_id)] += 1
        drawn = {
            key: iter(Lot._serial_draw_names(*key, count, taken=typed[key]))
            for key, count in untyped.items()
        }
        names = [
            name or next(drawn[(company, lot.product_id)])
            for lot, company, name in items
        ]
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
                        "company_id": Lot._serial_lot_company(
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
