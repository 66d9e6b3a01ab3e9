from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.field_guard import check_addon_fields
from ..tools.sql_tools import link_many2many

SERIAL_MOVE_TYPES = ("out_refund", "out_invoice")


class AccountMove(models.Model):
    """Generate Serial # on customer credit notes and on the negative lines
    of customer invoices (Everest's credit memos).

    Odoo never moves stock from a credit note: the generation creates and
    validates its own receipt from the customer into the Stock location.
    """

    _name = "account.move"
    _inherit = ["account.move", "serial.generate.mixin"]
    _serial_lines_field = "invoice_line_ids"
    _serial_reverse_depends = (
        "state",
        "serial_picking_ids.state",
        "serial_picking_ids.move_ids.returned_move_ids.state",
    )

    serial_lot_ids = fields.Many2many(
        "stock.lot",
        "account_move_serial_lot_rel",
        "move_id",
        "lot_id",
        string="Serial Numbers",
        readonly=True,
        copy=False,
        check_company=True,
        help="The serial numbers that Generate Serial # created for this document.",
    )

    def _serial_candidate_domain(self):
        return [
            ("move_type", "in", SERIAL_MOVE_TYPES),
            ("state", "in", ("draft", "posted")),
            ("invoice_line_ids.product_id.is_storable", "=", True),
            ("invoice_line_ids.product_id.tracking", "in", ("serial", "lot")),
        ]

    # Hooks of serial.generate.mixin --------------------------------------------

    def _serial_origin(self):
        return ("credit_note", self.env._("Credit Note"))

    def _serial_document_error(self):
        self.ensure_one()
        if self.move_type not in SERIAL_MOVE_TYPES:
            return self.env._(
                "Generate Serial # only applies to customer credit notes and "
                "customer invoices, not to %(document)s.",
                document=self.display_name,
            )
        if self.state not in ("draft", "posted"):
            return self.env._(
                "%(document)s is cancelled: serial numbers cannot be generated on it.",
                document=self.display_name,
            )
        return None

    def _serial_warehouse(self):
        """The warehouse whose locations the credit note's goods go to, if
        one says so (everest_serial_gen_sale: its sale order's)."""
        self.ensure_one()
        return self.env["stock.warehouse"]

    def _serial_default_location(self):
        self.ensure_one()
        return (
            self._serial_warehouse().serial_stock_location_id
            or self.company_id.serial_stock_location_id
        )

    def _serial_covered_note(self):
        self.ensure_one()
        return self.env._(
            "Every unit of %(document)s came back already, with its serial "
            "number, on a return (Odoo's Return of the delivery): Generate "
            "Serial # has nothing left to do.",
            document=self.display_name,
        )

    def _serial_destination_note(self, location):
        self.ensure_one()
        note = self.env._(
            "OK creates and validates a receipt from the customer that brings "
            "the items into %(location)s (the Stock location for credit notes).",
            location=location.display_name,
        )
        if self.state == "draft":
            # allowed, as Everest allows it on a credit memo not yet posted;
            # the user should know that stock moves before the accounting
            note += " " + self.env._(
                "%(document)s is still a draft: the items are in stock from OK "
                "on, before the credit note is posted.",
                document=self.display_name,
            )
        return note

    def _serial_retrieve(self, lines):
        """Take the retrieved return lines as received, without moving them."""
        for line in lines:
            link_many2many(line.source, "serial_retrieved_line_ids", line.retrieved.ids)

    def _serial_check_credited(self, lots, at_customer=None):
        """A credit note never brings the same unit in twice: a unit's stay
        at a customer is credited once. A unit at a customer now begins a
        stay nobody credited yet (an earlier one, before it was sold again,
        does not count); a unit back in our stock was credited by whoever
        took the return that brought it (``_serial_claims``)."""
        self.ensure_one()
        if at_customer is None:
            at_customer = self.env["serial.attach"]._customer_quantities(lots)
        Line = self.env["account.move.line"]
        latest = Line._serial_latest_returns(
            lots.filtered(lambda lot: lot not in at_customer)
        )
        claims = Line._serial_claims(
            self.env["stock.move.line"].concat(*latest.values())
        )
        credited = lots.filtered(
            lambda lot: lot in latest
            and claims.get(latest[lot])
            and claims[latest[lot]] != self
        )
        if not credited:
            return
        documents = ", ".join(
            dict.fromkeys(claims[latest[lot]].display_name for lot in credited)
        )
        raise UserError(
            self.env._(
                "%(serials)s is already on a credit note, %(documents)s: a "
                "credit note never brings the same unit in twice.",
                serials=credited.name,
                documents=documents,
            )
            if len(credited) == 1
            else self.env._(
                "%(serials)s are already on credit notes (%(documents)s): a "
                "credit note never brings the same unit in twice.",
                serials=", ".join(credited.mapped("name")),
                documents=documents,
            )
        )

    def _serial_retrieved_lots(self):
        """The serials these documents took as received from return receipts."""
        # Sudo: see _serial_release_retrieved.
        return self.sudo().invoice_line_ids.serial_retrieved_line_ids.lot_id.sudo(False)

    def _serial_release_retrieved(self):
        """Let go of the serials these documents retrieved: they stay where
        their return receipt put them, and are on no credit note any more.
        Returns the released lots."""
        # Sudo: the links are the addon's only (field_guard); the caller
        # checked the user may cancel or reverse the documents.
        lines = self.sudo().invoice_line_ids.filtered("serial_retrieved_line_ids")
        released = lines.serial_retrieved_line_ids.lot_id
        if not released:
            return released
        lines.serial_retrieved_line_ids = [fields.Command.clear()]
        self.sudo().serial_lot_ids = [fields.Command.unlink(lot.id) for lot in released]
        for document in self:
            document._message_log(
                body=self.env._(
                    "%(user)s released the retrieved serials %(serials)s: they "
                    "stay in stock, where their return receipt put them.",
                    user=self.env.user.name,
                    serials=", ".join(released.mapped("name")),
                )
            )
        return released.sudo(False)

    # Nothing lost ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(("serial_lot_ids",)).intersection(vals) for vals in vals_list
        ):
            check_addon_fields(self, vals_list, ("serial_lot_ids",))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(("serial_lot_ids",)).intersection(vals):
            check_addon_fields(self, [vals], ("serial_lot_ids",))
        if "move_type" in vals:
            # Odoo's "Switch into invoice/credit note" turns a credit note
            # whose goods came back into an invoice that bills them.
            self.filtered(
                lambda move: move.move_type != vals["move_type"]
            )._serial_check_nothing_in_stock()
        cancelled = self.browse()
        if vals.get("state") == "cancel":
            # whatever path cancels it: button_cancel, or a plain write
            cancelled = self.filtered(lambda move: move.state != "cancel")
            cancelled._serial_check_nothing_in_stock()
        result = super().write(vals)
        if cancelled:
            cancelled._serial_release_retrieved()
        return result

    def button_cancel(self):
        # refuse before Odoo resets the credit note to draft
        self._serial_check_nothing_in_stock()
        return super().button_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_serials_in_stock(self):
        self._serial_check_nothing_in_stock()

    def _serial_generated_lots(self):
        """The serials these documents' own receipts brought in; not those
        they retrieved, which a return receipt brought."""
        # Sudo: see _serial_check_nothing_in_stock.
        moves = self.sudo().serial_picking_ids.move_ids.filtered(
            lambda move: move.state == "done"
        )
        return moves.move_line_ids.lot_id

    def _serial_check_nothing_in_stock(self):
        """Refuse to drop a document whose generated serials are in stock."""
        # Sudo: accountants without stock rights cancel credit notes too; this
        # only counts the quants of the serials the document itself created.
        quants = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", self._serial_generated_lots().ids),
                    ("location_id.usage", "in", ("internal", "transit")),
                    ("quantity", ">", 0),
                ],
                ["lot_id"],
            )
        )
        if quants:
            names = ", ".join(lot.name for (lot,) in quants[:20])
            running = self._serial_running_jobs()
            if running:
                # a queued reversal was asked for already: wait for it
                raise UserError(
                    self.env._(
                        "%(progress)s Cancel the document once that is done.",
                        progress=running[:1]._progress_text(),
                    )
                )
            raise UserError(
                self.env._(
                    "The serial numbers generated on this document are still in "
                    "stock (%(serials)s). Use Reverse Serial Generation "
                    "to send them back to the customer first.",
                    serials=names,
                )
            )

    def _serial_is_reversible(self):
        self.ensure_one()
        return self.move_type in SERIAL_MOVE_TYPES and self.state != "cancel"

    def _serial_transfers(self):
        return self.serial_picking_ids.filtered(lambda picking: picking.state == "done")

    # Receipts (serial.generate.mixin) ------------------------------------------

    def _serial_receipt_vals(self):
        """The credit note's receipts come from its delivery address."""
        self.ensure_one()
        return dict(
            super()._serial_receipt_vals(),
            partner_id=(self.partner_shipping_id or self.partner_id).id,
        )
