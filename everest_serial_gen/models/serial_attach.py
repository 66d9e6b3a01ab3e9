from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .serial_numbering import parse_serial_list


class SerialAttach(models.AbstractModel):
    """Everest's Attach/Retrieve Serial #: a serial the system knows is
    attached to the credit document, never generated again.

    A known serial is either still at a customer (Odoo delivered it): the
    document brings it back, like Odoo's own Return; or it already came back
    on a return receipt and is in our stock: a credit note takes it as
    received without moving it again. Anything else in our stock is refused.
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

    @api.model
    def _customer_quantities(self, lots):
        """{lot: units at customer locations}, in one query."""
        # Sudo: whether a serial is at a customer decides what may be
        # attached, whatever locations the user may read.
        return {
            lot: quantity
            for lot, quantity in self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", lots.ids),
                    ("location_id.usage", "=", "customer"),
                    ("quantity", ">", 0),
                ],
                ["lot_id"],
                ["quantity:sum"],
            )
        }

    @api.model
    def _last_deliveries(self, lots):
        """{lot: the done move line that last took it to a customer}."""
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("location_id.usage", "!=", "customer"),
                ],
                order="date desc, id desc",
            )
        )
        last = {}
        for line in lines:
            last.setdefault(line.lot_id, line)
        return last

    @api.model
    def _return_lines(self, partner, lots=None, product=None):
        """{lot: the done move line that brought it back from ``partner`` on a
        return receipt}, for ``lots`` (or any lot of ``product``) now in our
        stock and on no credit note."""
        scope = [("lot_id", "in", lots.ids)] if lots is not None else []
        if product:
            scope.append(("product_id", "=", product.id))
        lines = self.env["stock.move.line"].search(
            [
                *scope,
                ("lot_id", "!=", False),
                ("state", "=", "done"),
                ("location_id.usage", "=", "customer"),
                ("location_dest_id.usage", "=", "internal"),
                ("picking_id.partner_id", "child_of", partner.commercial_partner_id.id),
                ("move_id.serial_account_move_line_id", "=", False),
                (
                    "lot_id.quant_ids",
                    "any",
                    [("location_id.usage", "=", "internal"), ("quantity", ">", 0)],
                ),
            ],
            order="date desc, id desc",
        )
        taken = self._credited_lots(lines.lot_id)
        found = {}
        for line in lines:
            if line.lot_id not in taken:
                found.setdefault(line.lot_id, line)
        return found

    @api.model
    def _credited_lots(self, lots):
        """Those of ``lots`` that a credit note, not cancelled, already has."""
        # Sudo: storekeepers may not read credit notes; only ids are kept.
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [("serial_lot_ids", "in", lots.ids), ("state", "!=", "cancel")],
            )
        )
        return lots & moves.serial_lot_ids

    @api.model
    def _known_quantity(self, document, lots):
        """The units that attaching ``lots`` to ``document`` brings."""
        if not lots or not document:
            return 0.0
        at_customer = self._customer_quantities(lots)
        returned = {}
        if document._name == "account.move":
            returned = self._return_lines(
                document.partner_id,
                lots=lots - lots.browse([lot.id for lot in at_customer]),
            )
        return sum(at_customer.values()) + sum(
            line.quantity_product_uom for line in returned.values()
        )

    # Defaults ----------------------------------------------------------------

    @api.model
    def _default_lots(self, source, remaining):
        """What the wizard offers to attach for ``source`` by default, up to
        ``remaining`` units: serials delivered on its sale lines and still at
        the customer, then serials that came back on the customer's returns
        and are on no credit note yet."""
        if source._name != "account.move.line" or remaining <= 0:
            return self.env["stock.lot"]
        product = source.product_id
        delivered = source.sale_line_ids.move_ids.filtered(
            lambda move: move.state == "done"
            and move.location_dest_id.usage == "customer"
            and move.product_id == product
        ).move_line_ids.lot_id
        at_customer = self._customer_quantities(delivered)
        delivered -= self._credited_lots(delivered)
        retrievable = self._return_lines(source.move_id.partner_id, product=product)
        lots = self.env["stock.lot"]
        rounding = product.uom_id.rounding
        for lot in delivered.filtered(lambda lot: lot in at_customer):
            if (
                float_compare(at_customer[lot], remaining, precision_rounding=rounding)
                > 0
            ):
                break
            lots |= lot
            remaining -= at_customer[lot]
        for lot, line in retrievable.items():
            if (
                float_compare(
                    line.quantity_product_uom, remaining, precision_rounding=rounding
                )
                > 0
            ):
                break
            lots |= lot
            remaining -= line.quantity_product_uom
        return lots

    # Checking ----------------------------------------------------------------

    @api.model
    def _split(self, document, source, lots, confirm_other_customer=False):
        """Split the lots the user attached to ``source``: those to bring
        back from the customer with their units, and the return lines to take
        as received. Refuse what cannot be attached."""
        product = source.product_id
        wrong = lots.filtered(lambda lot: lot.product_id != product)
        if wrong:
            raise UserError(
                self.env._(
                    "%(serials)s are not serials of %(product)s.",
                    serials=", ".join(wrong.mapped("name")),
                    product=product.display_name,
                )
            )
        self._check_not_credited(document, lots)
        at_customer = self._customer_quantities(lots)
        partner = document.partner_id.commercial_partner_id
        retrievable = {}
        if document._name == "account.move":
            retrievable = self._return_lines(
                partner, lots=lots - lots.browse([lot.id for lot in at_customer])
            )
        in_stock = lots.filtered(
            lambda lot: lot not in at_customer and lot not in retrievable
        )
        if in_stock:
            raise UserError(
                self.env._(
                    "%(serials)s are in our own stock, not at a customer: they "
                    "cannot come back.",
                    serials=", ".join(in_stock.mapped("name")),
                )
            )
        attached = lots.browse([lot.id for lot in at_customer])
        others = self._other_customers(attached, partner)
        if others and not confirm_other_customer:
            raise UserError(
                self.env._(
                    "%(serials)s were delivered to another customer. Check "
                    "'Attach serials of other customers' to attach them anyway.",
                    serials=", ".join(others.mapped("name")),
                )
            )
        return (
            attached,
            at_customer,
            self.env["stock.move.line"].concat(*retrievable.values()),
            others,
        )

    @api.model
    def _check_not_credited(self, document, lots):
        """A credit note never brings the same unit in twice."""
        if document._name != "account.move":
            return
        credited = self._credited_lots(lots) - document.serial_lot_ids
        if credited:
            raise UserError(
                self.env._(
                    "%(serials)s are already on a credit note: a credit note never "
                    "brings the same unit in twice.",
                    serials=", ".join(credited.mapped("name")),
                )
            )

    @api.model
    def _other_customers(self, lots, partner):
        deliveries = self._last_deliveries(lots)
        return lots.filtered(
            lambda lot: lot in deliveries
            and deliveries[lot].picking_partner_id.commercial_partner_id != partner
        )

    @api.model
    def _log_other_customers(self, document, lots):
        """The chatter says who attached serials delivered to someone else."""
        deliveries = self._last_deliveries(lots)
        by_partner = defaultdict(list)
        for lot in lots:
            by_partner[deliveries[lot].picking_partner_id.display_name].append(lot)
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
