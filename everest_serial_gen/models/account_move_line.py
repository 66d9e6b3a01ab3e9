from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.field_guard import check_addon_fields
from ..tools.serial_plan import SerialQuantities


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "serial.generate.line.mixin"]

    serial_retrieved_line_ids = fields.Many2many(
        "stock.move.line",
        "account_move_line_serial_retrieved_rel",
        "account_move_line_id",
        "move_line_id",
        string="Retrieved Returns",
        readonly=True,
        copy=False,
        help="The return receipt lines whose serials this line took as "
        "received, without moving them again.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(("serial_retrieved_line_ids",)).intersection(vals) for vals in vals_list
        ):
            check_addon_fields(self, vals_list, ("serial_retrieved_line_ids",))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(("serial_retrieved_line_ids",)).intersection(vals):
            check_addon_fields(self, [vals], ("serial_retrieved_line_ids",))
        if {"quantity", "product_id", "product_uom_id"}.intersection(vals):
            self._serial_check_still_covered(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_serialized(self):
        # Sudo, here and below: accountants edit credit notes without reading
        # stock; this only compares the line with the serials it brought in.
        for line in self.sudo().filtered("serial_stock_move_ids"):
            if line._serial_own_received() > 0:
                raise line._serial_covered_error()

    def _serial_check_still_covered(self, vals):
        """A line may not shrink below, change the product or flip the sign
        of, the serials generated for it: that stock would lose its
        document, or be billed."""
        for line in self.sudo().filtered("serial_stock_move_ids"):
            serialized = line._serial_own_received()
            if serialized <= 0:
                continue
            product = line.product_id.browse(vals.get("product_id", line.product_id.id))
            uom = line.product_uom_id.browse(
                vals.get("product_uom_id", line.product_uom_id.id)
            )
            signed = vals.get("quantity", line.quantity)
            quantity = uom._compute_quantity(abs(signed), product.uom_id)
            if (
                product != line.product_id
                # a sign flip turns goods that came back into goods billed
                or (signed > 0) != (line.quantity > 0)
                or float_compare(
                    serialized, quantity, precision_rounding=product.uom_id.rounding
                )
                > 0
            ):
                raise line._serial_covered_error()

    def _serial_covered_error(self):
        return UserError(
            self.env._(
                "Serial numbers were generated for %(product)s on %(document)s. "
                "Use Reverse Serial Generation before you reduce, "
                "change or delete the line.",
                product=self.serial_stock_move_ids.product_id[:1].display_name,
                document=self.move_id.display_name,
            )
        )

    def _serial_is_eligible(self, document):
        """Whether Generate Serial # serves this line: a tracked storable
        product that comes back, i.e. any line of a credit note, and the
        negative-quantity lines of an invoice."""
        self.ensure_one()
        product = self.product_id
        if (
            self.display_type != "product"
            or not product.is_storable
            or product.tracking not in ("serial", "lot")
        ):
            return False
        if document.move_type == "out_refund":
            return self.quantity > 0
        return document.move_type == "out_invoice" and self.quantity < 0

    # What comes back, and from where (serial.attach) ---------------------------

    def _serial_default_known(self, document, remaining, taken=None):
        """``(lots, {lot: units})`` the wizard offers to attach, up to
        ``remaining`` units, but what earlier lines took (``taken``): first
        the serials that came back on the customer's return receipts and
        are on no credit note yet, then those the line's deliveries took to
        the customer and that Odoo's Return may still bring back (its
        sale's, with everest_serial_gen_sale)."""
        self.ensure_one()
        taken = taken or {}
        product = self.product_id
        rounding = product.uom_id.rounding
        quantities = {}
        for lot, line in self._serial_retrievable_lines(document).items():
            if lot in taken:
                continue
            units = line.quantity_product_uom
            if float_compare(units, remaining, precision_rounding=rounding) <= 0:
                quantities[lot] = units
                remaining -= units
        quantities.update(
            self.env["serial.attach"]._default_delivered(
                self._serial_delivery_moves(document), remaining, taken
            )
        )
        return self.env["stock.lot"].concat(*quantities), quantities

    # Retrieve: what came back on a return receipt ------------------------------

    def _serial_retrievable_lines(self, document, lots=None):
        """{lot: the done move line that brought it back from the credit
        note's customer on a return receipt of its company}, for ``lots``
        (or any lot of the line's product) now in our stock, the last time
        they came back, and that no credit note took yet: the credit note
        takes them as received, without moving them again. Returns of the
        line's own deliveries are left out (its sale counts them already),
        and so are those the line may not take (``_serial_retrievable``)."""
        self.ensure_one()
        scope = [("lot_id", "in", lots.ids)] if lots is not None else []
        deliveries = self._serial_delivery_moves(document)
        if deliveries:
            scope.append(("move_id.origin_returned_move_id", "not in", deliveries.ids))
        lines = self.env["stock.move.line"].search(
            [
                *scope,
                ("product_id", "=", self.product_id.id),
                ("lot_id", "!=", False),
                ("state", "=", "done"),
                ("company_id", "=", document.company_id.id),
                ("location_id.usage", "=", "customer"),
                ("location_dest_id.usage", "=", "internal"),
                (
                    "picking_id.partner_id",
                    "child_of",
                    document.partner_id.commercial_partner_id.id,
                ),
                ("move_id.serial_source_model", "=", False),
                (
                    "lot_id.quant_ids",
                    "any",
                    [("location_id.usage", "=", "internal"), ("quantity", ">", 0)],
                ),
            ],
            order="date desc, id desc",
        )
        lines = self._serial_retrievable(document, lines)
        latest = self._serial_latest_returns(lines.lot_id)
        claimed = self._serial_claims(lines)
        found = {}
        for line in lines:
            if line not in claimed and latest.get(line.lot_id) == line:
                found.setdefault(line.lot_id, line)
        return found

    def _serial_retrievable(self, document, lines):
        """Those of ``lines``, done move lines that brought units back on a
        return receipt, that this line may take as received."""
        return lines

    @api.model
    def _serial_latest_returns(self, lots):
        """{lot: the last done move line that took it out of a customer
        location}: a unit sold again and back again comes back on its
        latest return, never on one before the sale."""
        # Sudo: which return is the latest decides, whatever transfers the
        # user may read; the lines are only compared.
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "=", "done"),
                    ("location_id.usage", "=", "customer"),
                ],
                order="date desc, id desc",
            )
        )
        latest = {}
        for line in lines:
            latest.setdefault(line.lot_id.sudo(False), line.sudo(False))
        return latest

    @api.model
    def _serial_claims(self, lines):
        """{done move line that came back from a customer: the credit note,
        not cancelled, that took it}: its own receipt's, or one that
        retrieved it."""
        # Sudo: storekeepers may not read credit notes; only ids are kept.
        lines = lines.sudo()
        claims = {}
        receiving = self.sudo().search(
            [
                ("serial_stock_move_ids", "in", lines.move_id.ids),
                ("parent_state", "!=", "cancel"),
            ]
        )
        for credit_line in receiving:
            for line in lines.filtered(
                lambda line, moves=credit_line.serial_stock_move_ids: line.move_id
                in moves
            ):
                claims[line.sudo(False)] = credit_line.move_id
        retrieving = self.sudo().search(
            [
                ("serial_retrieved_line_ids", "in", lines.ids),
                ("parent_state", "!=", "cancel"),
            ]
        )
        for credit_line in retrieving:
            for line in credit_line.serial_retrieved_line_ids & lines:
                claims.setdefault(line.sudo(False), credit_line.move_id)
        return claims

    # How much came back ----------------------------------------------------------

    def _serial_quantities(self, document):
        """(returned quantity, quantity already received), in the product's
        unit. Received is read from live stock moves: what the line's own
        receipts brought in, and what the return lines it retrieved brought
        in, less what went back to the customer since."""
        self.ensure_one()
        uom = self.product_id.uom_id
        quantity = self.product_uom_id._compute_quantity(abs(self.quantity), uom)
        return SerialQuantities(quantity, self._serial_own_received())

    def _serial_own_received(self):
        """What the line's receipts and its retrieved return lines brought
        in and what is still not sent back."""
        # Sudo: accountants read this without stock rights; quantities only.
        moves = self.sudo().serial_stock_move_ids.filtered(
            lambda move: move.state == "done"
        )
        retrieved = self.sudo().serial_retrieved_line_ids
        return (
            self._serial_done_units(moves)
            - self._serial_done_units(self._serial_done_returns(moves))
            + self._serial_retrieved_units(retrieved)
        )

    @staticmethod
    def _serial_retrieved_units(lines):
        """The units of the retrieved return ``lines`` that no later return
        sent back to the customer."""
        units = 0.0
        for line in lines:
            back = AccountMoveLine._serial_done_returns(
                line.move_id
            ).move_line_ids.filtered(lambda back, line=line: back.lot_id == line.lot_id)
            units += max(
                line.quantity_product_uom - sum(back.mapped("quantity_product_uom")),
                0.0,
            )
        return units

    @staticmethod
    def _serial_done_returns(moves):
        """The done returns of ``moves`` (``origin_returned_move_id``)."""
        return moves.returned_move_ids.filtered(lambda move: move.state == "done")

    @staticmethod
    def _serial_done_units(moves):
        """The done quantity of ``moves``, in their products' unit."""
        return sum(
            move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            for move in moves
        )
