from collections import defaultdict
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..tools.serial_plan import parse_serial_list


class KnownSplit(NamedTuple):
    """What the known serials a user attached to a document line are."""

    # (delivery move or an empty recordset, lot, units): the units of each
    # lot still at a customer, by the delivery whose return brings them
    attached: list
    retrieved: object  # return receipt lines the document takes as received
    others: object  # attached lots that were delivered to another customer


class SerialAttach(models.AbstractModel):
    """Everest's Attach/Retrieve Serial #: a serial the system knows is
    attached to the credit document, never generated again.

    A known serial is either still at a customer: Odoo delivered it, and the
    document brings it back as a return of that delivery, exactly as Odoo's
    own Return would (``stock.return.picking``), so that the sale, the
    valuation and what Odoo's Return still offers agree; or it already came
    back on a return receipt and is in our stock: a document line that may
    takes it as received without moving it again (Retrieve,
    ``_serial_retrievable_lines``: a credit note's). Anything else in our
    stock is refused.

    What Odoo's Return may still bring back of a delivery is counted as Odoo
    counts it: what the delivery took to the customer, less what the returns
    chained to it (``origin_returned_move_id``) bring or brought back.
    """

    _name = "serial.attach"
    _description = "Attach/Retrieve Known Serial Numbers"

    # Finding -------------------------------------------------------------------

    @api.model
    def _find(self, product, company, text):
        """The lots of ``product`` named, or with the manufacturer's serial
        (``ref``), as in the typed or scanned ``text``; and the names found
        nowhere. One search for all of them."""
        names = list(dict.fromkeys(parse_serial_list(text)))
        if not names:
            return self.env["stock.lot"], []
        lots = self.env["stock.lot"].search(
            [
                ("product_id", "=", product.id),
                ("company_id", "in", [company.id, False]),
                "|",
                ("name", "in", names),
                ("ref", "in", names),
            ]
        )
        known = set(lots.mapped("name")) | set(lots.mapped("ref"))
        return lots, [name for name in names if name not in known]

    # Deliveries and what Odoo's Return may still bring back --------------------

    @api.model
    def _customer_quantities(self, lots):
        """{lot: units at customers}: a unit is at a customer when its last
        done move put it there (``stock.lot._serial_stays``)."""
        return {lot: stay.units for lot, stay in lots._serial_stays("customer").items()}

    @api.model
    def _delivery_domain(self, company):
        """The done moves that took goods from us to a customer, in ``company``."""
        return [
            ("state", "=", "done"),
            ("company_id", "=", company.id),
            ("location_dest_id.usage", "=", "customer"),
            ("location_id.usage", "!=", "customer"),
        ]

    @api.model
    def _lot_deliveries(self, lots, company, partner=None):
        """The done delivery moves of ``company`` that took ``lots`` to a
        customer (``partner``'s, when given), newest first."""
        # Sudo: which delivery a serial left on decides how it comes back,
        # whatever transfers the user may read; the moves stay internal.
        domain = [
            *self._delivery_domain(company),
            ("move_line_ids.lot_id", "in", lots.ids),
        ]
        if partner:
            domain.append(
                (
                    "picking_id.partner_id",
                    "child_of",
                    partner.commercial_partner_id.id,
                )
            )
        return self.env["stock.move"].sudo().search(domain, order="date desc, id desc")

    @api.model
    def _customer_deliveries(self, partner, company, product):
        """The done delivery moves of ``product`` to ``partner`` in
        ``company``, oldest first."""
        # Sudo: see _lot_deliveries.
        return (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    *self._delivery_domain(company),
                    ("product_id", "=", product.id),
                    (
                        "picking_id.partner_id",
                        "child_of",
                        partner.commercial_partner_id.id,
                    ),
                ],
                order="date, id",
            )
        )

    @api.model
    def _live_returns(self, moves):
        """The returns of ``moves`` that bring or brought goods back: those
        not cancelled."""
        return moves.returned_move_ids.filtered(lambda move: move.state != "cancel")

    @api.model
    def _returnable_quantities(self, moves):
        """{delivery move: units (product unit) Odoo's Return may still bring
        back}: its done quantity less its live returns, as Odoo's own Return
        counts it."""
        returned = defaultdict(float)
        for back in self._live_returns(moves):
            quantity = back.quantity if back.state == "done" else back.product_uom_qty
            returned[back.origin_returned_move_id] += (
                back.product_uom._compute_quantity(quantity, back.product_id.uom_id)
            )
        result = {}
        for move in moves:
            done = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id
            )
            left = done - returned[move]
            rounding = move.product_id.uom_id.rounding
            result[move] = (
                left if float_compare(left, 0, precision_rounding=rounding) > 0 else 0.0
            )
        return result

    @api.model
    def _returnable_lots(self, moves):
        """{(delivery move, lot): units of the lot the move took to the
        customer and no live return of it brings back}, as Odoo's return
        reservation proposes them (``_get_available_move_lines``)."""
        available = defaultdict(float)
        for move in moves:
            for line in move.move_line_ids:
                if line.lot_id:
                    available[move, line.lot_id] += line.quantity_product_uom
        for back in self._live_returns(moves):
            delivery = back.origin_returned_move_id
            for line in back.move_line_ids:
                key = (delivery, line.lot_id)
                if key in available:
                    available[key] -= line.quantity_product_uom
        rounding = {move: move.product_id.uom_id.rounding for move in moves}
        return {
            key: quantity
            for key, quantity in available.items()
            if float_compare(quantity, 0, precision_rounding=rounding[key[0]]) > 0
        }

    @api.model
    def _returnable_lot_sources(
        self, lots, company, preferred=None, partner=None, at_customer=None
    ):
        """{lot: [(delivery move, units)]}: where each of ``lots`` may come
        back from, ``preferred`` deliveries first, then the newest delivery
        of ``company``; capped by what is at customers (``at_customer``,
        ``_customer_quantities`` of ``lots`` when the caller has it)."""
        preferred = preferred or self.env["stock.move"]
        deliveries = preferred | self._lot_deliveries(lots, company, partner)
        returnable = self._returnable_lots(deliveries)
        if at_customer is None:
            at_customer = self._customer_quantities(lots)
        sources = {}
        for lot in lots:
            left = at_customer.get(lot, 0.0)
            rounding = lot.product_id.uom_id.rounding
            found = []
            for move in deliveries:
                if float_compare(left, 0, precision_rounding=rounding) <= 0:
                    break
                quantity = min(returnable.get((move, lot), 0.0), left)
                if float_compare(quantity, 0, precision_rounding=rounding) > 0:
                    found.append((move, quantity))
                    left -= quantity
            sources[lot] = found
        return sources

    # Defaults ------------------------------------------------------------------

    @api.model
    def _take(self, candidates, remaining, rounding, whole_units):
        """Take ``candidates`` ((key, units) pairs) in order up to
        ``remaining`` units; a serial is taken whole or not at all.
        Returns [(key, units taken)]."""
        taken = []
        for key, units in candidates:
            if float_compare(remaining, 0, precision_rounding=rounding) <= 0:
                break
            units = min(units, remaining)
            if whole_units and float_compare(units, 1, precision_rounding=rounding) < 0:
                continue
            taken.append((key, units))
            remaining -= units
        return taken

    @api.model
    def _default_delivered(self, deliveries, remaining, taken=None):
        """[(lot, units)]: the lots ``deliveries`` took to the customer that
        are still there and that Odoo's Return may bring back, up to
        ``remaining`` units, oldest delivery first; less what earlier lines
        of the document took already (``taken``: {lot: units})."""
        if not deliveries or remaining <= 0:
            return []
        taken = taken or {}
        returnable = self._returnable_lots(deliveries)
        at_customer = self._customer_quantities(
            self.env["stock.lot"].concat(*(lot for _move, lot in returnable))
        )
        per_lot = defaultdict(float)
        for (_move, lot), units in sorted(
            returnable.items(), key=lambda item: (item[0][0].date, item[0][0].id)
        ):
            per_lot[lot] += units
        candidates = [
            (lot, min(units, at_customer.get(lot, 0.0) - taken.get(lot, 0.0)))
            for lot, units in per_lot.items()
            if at_customer.get(lot, 0.0) - taken.get(lot, 0.0) > 0
        ]
        product = deliveries.product_id[:1]
        return self._take(
            candidates,
            remaining,
            product.uom_id.rounding,
            product.tracking == "serial",
        )

    @api.model
    def _known_units(self, document, source, lots, remaining):
        """The units the known ``lots`` bring back to ``source`` of
        ``document``, up to ``remaining``: one per serial; for lots, what
        they hold at customers, or what the return receipt that brought
        them did (``_serial_retrievable_lines``)."""
        if not lots or not source or not document:
            return 0.0
        if source.product_id.tracking == "serial":
            return float(len(lots))
        at_customer = self._customer_quantities(lots)
        units = sum(at_customer.values())
        outside = lots.filtered(lambda lot: lot not in at_customer)
        if outside:
            units += sum(
                line.quantity_product_uom
                for line in source._serial_retrievable_lines(document, outside).values()
            )
        return min(units, max(remaining, 0.0))

    # Checking ----------------------------------------------------------------

    @api.model
    def _split(
        self, document, source, lots, quantity=None, confirm_other_customer=False
    ):
        """Split the lots the user attached to ``source``: the units of those
        at a customer, by the delivery they come back from, and the return
        lines a credit note takes as received (``KnownSplit``). ``quantity``
        is how many units the known lots of a lot-tracked product bring, the
        retrieved ones included (all they may, when None). Refuse what
        cannot be attached."""
        product = source.product_id
        company = document.company_id
        wrong = lots.filtered(lambda lot: lot.product_id != product)
        if wrong:
            raise UserError(
                self.env._(
                    "%(serials)s is not a serial of %(product)s.",
                    serials=wrong.name,
                    product=product.display_name,
                )
                if len(wrong) == 1
                else self.env._(
                    "%(serials)s are not serials of %(product)s.",
                    serials=", ".join(wrong.mapped("name")),
                    product=product.display_name,
                )
            )
        at_customer = self._customer_quantities(lots)
        document._serial_check_credited(lots, at_customer=at_customer)
        partner = document.partner_id.commercial_partner_id
        deliveries = source._serial_delivery_moves(document)
        self._check_not_busy(document, lots.filtered(lambda lot: lot in at_customer))
        outside = lots.filtered(lambda lot: not at_customer.get(lot))
        retrievable = (
            source._serial_retrievable_lines(document, outside) if outside else {}
        )
        in_stock = outside.filtered(lambda lot: lot not in retrievable)
        if in_stock:
            raise UserError(
                self.env._(
                    "%(serials)s is in our own stock, not at a customer: it "
                    "cannot come back.",
                    serials=in_stock.name,
                )
                if len(in_stock) == 1
                else self.env._(
                    "%(serials)s are in our own stock, not at a customer: they "
                    "cannot come back.",
                    serials=", ".join(in_stock.mapped("name")),
                )
            )
        retrieved = self.env["stock.move.line"].concat(*retrievable.values())
        if quantity is not None:
            quantity -= sum(retrieved.mapped("quantity_product_uom"))
        at_customer_lots = lots - outside
        sources = self._returnable_lot_sources(
            at_customer_lots, company, preferred=deliveries, at_customer=at_customer
        )
        attached = self._attached_units(
            at_customer_lots, sources, at_customer, quantity, product
        )
        others = self._other_customers(at_customer_lots, partner, company)
        if others and not confirm_other_customer:
            raise UserError(
                self.env._(
                    "%(serials)s was delivered to another customer. Check "
                    "'Attach serials of other customers' to attach it anyway.",
                    serials=others.name,
                )
                if len(others) == 1
                else self.env._(
                    "%(serials)s were delivered to another customer. Check "
                    "'Attach serials of other customers' to attach them anyway.",
                    serials=", ".join(others.mapped("name")),
                )
            )
        return KnownSplit(attached, retrieved, others)

    @api.model
    def _attached_units(self, lots, sources, at_customer, quantity, product):
        """[(delivery move or empty, lot, units)] for the attached ``lots``:
        a serial's unit, or a lot's share of ``quantity``, from the
        deliveries Odoo's Return may bring them back from; units at a
        customer that no delivery explains come back without one."""
        rounding = product.uom_id.rounding
        serial = product.tracking == "serial"
        if serial or quantity is None:
            wanted = None
        else:
            wanted = quantity
            available = sum(at_customer.get(lot, 0.0) for lot in lots)
            if float_compare(wanted, available, precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "%(product)s: %(wanted)s to attach, but %(lots)s hold only "
                        "%(available)s at customers.",
                        product=product.display_name,
                        wanted=self._format(wanted, product),
                        lots=", ".join(lots.mapped("name")),
                        available=self._format(available, product),
                    )
                )
        result = []
        no_delivery = self.env["stock.move"]
        for lot in lots:
            lot_units = 1.0 if serial else at_customer[lot]
            if wanted is not None:
                lot_units = min(lot_units, wanted)
                wanted -= lot_units
            for move, units in sources.get(lot, []):
                if float_is_zero(lot_units, precision_rounding=rounding):
                    break
                units = min(units, lot_units)
                result.append((move, lot, units))
                lot_units -= units
            if not float_is_zero(lot_units, precision_rounding=rounding):
                result.append((no_delivery, lot, lot_units))
        return result

    def _format(self, quantity, product):
        return self.env["serial.generator"]._format_quantity(quantity, product.uom_id)

    @api.model
    def _check_still_attachable(self, attached):
        """The attached units are still at the customer and still returnable
        on their delivery: a background chunk checks it again, as someone
        may have brought them back meanwhile."""
        lots = self.env["stock.lot"].concat(*(lot for _move, lot, _units in attached))
        at_customer = self._customer_quantities(lots)
        deliveries = self.env["stock.move"].concat(
            *(move for move, _lot, _units in attached if move)
        )
        returnable = self._returnable_lots(deliveries)
        needed = defaultdict(float)
        for move, lot, units in attached:
            needed[lot] += units
            if move:
                returnable[move, lot] = returnable.get((move, lot), 0.0) - units
        gone = lots.filtered(
            lambda lot: float_compare(
                needed[lot],
                at_customer.get(lot, 0.0),
                precision_rounding=lot.product_id.uom_id.rounding,
            )
            > 0
        ) | lots.browse(
            [
                lot.id
                for (move, lot), left in returnable.items()
                if float_compare(
                    left, 0, precision_rounding=lot.product_id.uom_id.rounding
                )
                < 0
            ]
        )
        if gone:
            raise UserError(
                self.env._(
                    "%(serials)s is no longer at the customer: someone brought "
                    "it back meanwhile.",
                    serials=gone.name,
                )
                if len(gone) == 1
                else self.env._(
                    "%(serials)s are no longer at the customer: someone brought "
                    "them back meanwhile.",
                    serials=", ".join(gone.mapped("name")),
                )
            )

    @api.model
    def _check_not_busy(self, document, lots):
        """A unit at a customer that a queued job of another document is
        bringing back is that job's."""
        pending = self.env["serial.chunked.transfer"].busy_lots(lots, document)
        if pending:
            raise UserError(
                self.env._(
                    "%(serials)s is being brought back in the background by "
                    "another generation.",
                    serials=pending.name,
                )
                if len(pending) == 1
                else self.env._(
                    "%(serials)s are being brought back in the background by "
                    "another generation.",
                    serials=", ".join(pending.mapped("name")),
                )
            )

    @api.model
    def _other_customers(self, lots, partner, company):
        """Those of ``lots`` whose last delivery went to another customer."""
        last = {}
        for move in self._lot_deliveries(lots, company):
            for lot in move.move_line_ids.lot_id & lots:
                last.setdefault(lot, move)
        return lots.filtered(
            lambda lot: lot in last
            and last[lot].picking_id.partner_id.commercial_partner_id != partner
        )

    @api.model
    def _log_other_customers(self, document, lots):
        """The chatter says who attached serials delivered to someone else."""
        last = {}
        for move in self._lot_deliveries(lots, document.company_id):
            for lot in move.move_line_ids.lot_id & lots:
                last.setdefault(lot, move)
        by_partner = defaultdict(list)
        for lot in lots:
            by_partner[last[lot].picking_id.partner_id.display_name].append(lot)
        document._message_log(
            body=Markup("<br/>").join(
                self.env._(
                    "%(user)s confirmed attaching serials delivered to %(partner)s: "
                    "%(serials)s",
                    user=self.env.user.name,
                    partner=partner,
                    serials=", ".join(lot.name for lot in partner_lots),
                )
                for partner, partner_lots in by_partner.items()
            )
        )
