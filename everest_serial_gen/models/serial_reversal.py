from collections import defaultdict
from typing import NamedTuple

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.sql_tools import lock_rows


class Reversal(NamedTuple):
    returns: object  # the return transfers, validated unless queued
    left: object  # the generated serials left where they are now
    released: object  # the retrieved serials let go, which stay in stock
    job: object = None  # the background job that brings the returns, if any


class ReturnSplit(NamedTuple):
    returnable: object  # done move lines whose serial is where they put it
    left: object  # the others


class SerialReversal(models.AbstractModel):
    """Reverse Serial Generation: send the generated serials back to the
    customer with a real, validated return, never by deleting stock.

    Only the serials still where the generation put them go back; those
    sold or moved on meanwhile stay, and the document says which.
    """

    _name = "serial.reversal"
    _description = "Serial Generation Reversal"

    @api.model
    def reverse(self, document):
        """Return what can be returned; a ``Reversal``."""
        self._check_reversible(document)
        lock_rows(document)
        lines, left = self._returnable_lines(document)  # a ReturnSplit
        if not lines and left:
            raise left.move_id._serial_not_returnable_error()
        if self._runs_in_background(document, lines):
            job = self._queue(document, lines, left.lot_id)
            released = document._serial_release_retrieved()
            return Reversal(job.transfer_ids, left.lot_id, released, job)
        returns = self.env["stock.picking"]
        for picking, picking_lines in lines.grouped("picking_id").items():
            returns |= picking._serial_return_lines(picking_lines)
        if returns:
            self._log(document, returns, left.lot_id)
        # a retrieved serial came in with its return receipt: reversing the
        # credit note lets it go, the receipt's own reversal sends it back
        released = document._serial_release_retrieved()
        return Reversal(returns, left.lot_id, released)

    @api.model
    def _runs_in_background(self, document, lines):
        """Above the company's batch size, as a generation. Lines of lots
        return part of a quant each, and are few: they run at once."""
        return len(lines) > max(document.company_id.serial_batch_size, 1) and all(
            product.tracking == "serial" for product in lines.product_id
        )

    @api.model
    def _queue(self, document, lines, left):
        """Open the returns of ``lines`` with Odoo's return wizard, their
        moves draft, and queue the job that brings the serials back
        (serial.chunked.transfer)."""
        moves_lots = []
        for picking, picking_lines in lines.grouped("picking_id").items():
            returned = picking._serial_open_return_of(picking_lines)
            by_origin = picking_lines.grouped("move_id")
            moves_lots += [
                (move, by_origin[move.origin_returned_move_id].lot_id)
                for move in returned.move_ids
            ]
        job = self.env["serial.chunked.transfer"].queue("reverse", document, moves_lots)
        body = self.env._(
            "%(user)s reversed the serial generation: %(count)s serial "
            "numbers go back with %(transfers)s, in the background, in "
            "chunks of %(size)s.",
            user=self.env.user.name,
            count=job.total,
            transfers=", ".join(job.transfer_ids.mapped("name")),
            size=document.company_id.serial_batch_size,
        )
        if left:
            body += " " + self.env._(
                "Left where they are now: %(serials)s.", serials=self._where(left)
            )
        document._message_log(body=body)
        return job

    @api.model
    def _check_reversible(self, document):
        document.ensure_one()
        self.env["serial.generator.check"]._check_access(document)
        if not document._serial_is_reversible():
            raise UserError(
                self.env._(
                    "%(document)s has no serial generation to reverse.",
                    document=document.display_name,
                )
            )
        running = document._serial_running_jobs()
        if running.filtered(lambda job: job.operation == "generate"):
            raise UserError(
                self.env._(
                    "Serial numbers of %(document)s are being generated in the "
                    "background. Wait until it is done, or cancel it, then reverse.",
                    document=document.display_name,
                )
            )
        if running:
            raise UserError(
                self.env._(
                    "%(document)s: %(progress)s Wait until it is done.",
                    document=document.display_name,
                    progress=running[:1]._progress_text(),
                )
            )
        if (
            not document._serial_lines_to_reverse()
            and not document._serial_retrieved_lots()
        ):
            raise UserError(
                self.env._(
                    "%(document)s has no generated serials left to send back.",
                    document=document.display_name,
                )
            )

    @api.model
    def _returnable_lines(self, document):
        """Split the done move lines that brought generated serials in and
        are not returned yet: those whose serial is still where they put it,
        and the others."""
        lines = document._serial_lines_to_reverse()
        # Sudo: the check counts the quants of these serials wherever they
        # are, even in locations the user may not read; it returns no data.
        available = defaultdict(float)
        for location, lot, quantity, reserved in (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", lines.lot_id.ids),
                    ("location_id", "in", lines.location_dest_id.ids),
                ],
                ["location_id", "lot_id"],
                ["quantity:sum", "reserved_quantity:sum"],
            )
        ):
            available[location, lot] = quantity - reserved
        returnable = []
        for line in lines:
            key = (line.location_dest_id, line.lot_id)
            rounding = line.product_id.uom_id.rounding
            quantity = line.quantity_product_uom
            if (
                float_compare(available[key], quantity, precision_rounding=rounding)
                >= 0
            ):
                available[key] -= quantity
                returnable.append(line.id)
        returnable = lines.browse(returnable)
        return ReturnSplit(returnable, lines - returnable)

    @api.model
    def _log(self, document, returns, left):
        if left:
            body = self.env._(
                "%(user)s reversed the serial generation: %(transfers)s. Left "
                "where they are now: %(serials)s.",
                user=self.env.user.name,
                transfers=", ".join(returns.mapped("name")),
                serials=self._where(left),
            )
        else:
            body = self.env._(
                "%(user)s reversed the serial generation: %(transfers)s.",
                user=self.env.user.name,
                transfers=", ".join(returns.mapped("name")),
            )
        document._message_log(body=body)
        return body

    @api.model
    def _where(self, lots):
        """Each lot's name, and where it is now."""
        # Sudo: where a serial is now may be a location the user cannot read.
        nowhere = self.env._("not in stock")
        return ", ".join(
            f"{lot.name} ({lot.location_id.display_name or nowhere})"
            for lot in lots.sudo()
        )
