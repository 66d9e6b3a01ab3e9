from collections import defaultdict
from typing import NamedTuple

from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.sql_tools import lock_rows


class ReturnSplit(NamedTuple):
    returnable: object  # done move lines whose serial is where they put it
    left: object  # the others


class SerialReversal(models.AbstractModel):
    """Reverse Serial Generation: the operation (``serial.job.operation``)
    that sends the generated serials back to the customer with a real,
    validated return, never by deleting stock.

    Only the serials still where the generation put them go back; those
    sold or moved on meanwhile stay, and the document says which. Serials
    the document only retrieved are let go: they stay where their return
    receipt put them. At once, each transfer goes back with Odoo's Return of
    exactly its serials; above the batch size, serials only, in the
    background (``serial.chunked.transfer``).
    """

    _name = "serial.reversal"
    _inherit = "serial.chunked.transfer"
    _description = "Reverse Serial Generation"
    _serial_operation = "reverse"

    @api.model
    def _serial_plan(self, document, plan=None):
        """The done lines to send back, one generation line per move they
        returned, and what stays where it is now (the plan)."""
        self._check_reversible(document)
        lock_rows(document)
        lines, left = self._returnable_lines(document)  # a ReturnSplit
        if not lines and left:
            raise left.move_id._serial_not_returnable_error()
        # lines of lots return part of a quant each, and are few: at once
        movable = all(product.tracking == "serial" for product in lines.product_id)
        vals = {
            "location_dest_id": (
                lines.move_id.location_id[:1]
                or document.company_id.serial_stock_location_id
            ).id,
            "validate_transfer": True,
            "line_ids": [
                Command.create(
                    self._prepare_job_line_vals(
                        move, move_lines.lot_id, open_move=False
                    )
                )
                for move, move_lines in lines.grouped("move_id").items()
            ],
        }
        return (
            document,
            ReturnSplit(lines, left),
            self._serial_prepare_job_vals(document, vals, len(lines), movable),
        )

    def _serial_start(self, job, document, plan):
        """In the background, open the returns now, their moves draft, each
        job line with the return move that takes its serials back; let go of
        the serials the document retrieved; say it in the chatter."""
        if job.state == "queued":
            for picking, picking_lines in plan.returnable.grouped("picking_id").items():
                returned = picking._serial_open_return_of(picking_lines)
                for move in returned.move_ids:
                    # Sudo: users read generations, only the addon writes them.
                    job.line_ids.filtered(
                        lambda line, move=move: line.source_id
                        == move.origin_returned_move_id.id
                    ).sudo().move_id = move
            self._log(document, job, plan.left.lot_id)
        # a retrieved serial came in with its return receipt: reversing the
        # credit note lets it go, the receipt's own reversal sends it back
        released = document._serial_release_retrieved()
        notes = []
        if released:
            names = ", ".join(released.mapped("name"))
            notes.append(
                self.env._(
                    "Released %(serials)s, which stays in stock where its return "
                    "receipt put it.",
                    serials=names,
                )
                if len(released) == 1
                else self.env._(
                    "Released %(serials)s, which stay in stock where their return "
                    "receipt put them.",
                    serials=names,
                )
            )
        if plan.left:
            notes.append(
                self._left_text(
                    plan.left.lot_id, ", ".join(plan.left.lot_id.mapped("name"))
                )
            )
        if notes:
            # Sudo: users read generations, only the addon writes them.
            job.sudo().note = " ".join(notes)
        # the returns it opened are the job's until it ends
        return super()._serial_start(job, document, plan)

    def _serial_run(self, job, document, plan):
        """At once: each transfer goes back with Odoo's Return of exactly
        the serials it brought in, validated."""
        for picking, picking_lines in plan.returnable.grouped("picking_id").items():
            returned = picking._serial_return_lines(picking_lines)
            for move in returned.move_ids:
                # Sudo: users read generations, only the addon writes them.
                job.line_ids.filtered(
                    lambda line, move=move: line.source_id
                    == move.origin_returned_move_id.id
                ).sudo().move_id = move
        if plan.returnable:
            self._log(document, job, plan.left.lot_id)
        return {line: line.count for line in job.line_ids}, self.env["stock.lot"]

    def _serial_queued_message(self, job):
        return self.env._(
            "%(count)s serial numbers go back with %(transfers)s, in the "
            "background; the document shows the progress.",
            count=self._serial_count(job.total),
            transfers=", ".join(job.transfer_ids.mapped("name")),
        )

    def _serial_done_message(self, job):
        """What the notification says of a reversal that ran at once, under
        its title: where the serials went (what it left or let go of is the
        job's note)."""
        if not job.transfer_ids:
            return ""
        return self.env._(
            "Sent back with %(transfers)s.",
            transfers=", ".join(job.transfer_ids.mapped("name")),
        )

    @api.model
    def _left_text(self, lots, where):
        """That ``lots`` stay where they are now (``where``: their names, or
        where each is), with one serial or several."""
        if len(lots) == 1:
            return self.env._("Left where it is now: %(serials)s.", serials=where)
        return self.env._("Left where they are now: %(serials)s.", serials=where)

    @api.model
    def _check_reversible(self, document):
        document.ensure_one()
        self.env["serial.generator"]._check_access(document)
        if not document._serial_is_reversible():
            raise UserError(
                self.env._(
                    "%(document)s has no serial generation to reverse.",
                    document=document.display_name,
                )
            )
        running = document._serial_running_jobs()
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
    def _log(self, document, job, left):
        """Say in the chatter what goes back with which transfers, and what
        stays where it is now."""
        returns = ", ".join(job.transfer_ids.mapped("name"))
        if job.state == "queued":
            body = self.env._(
                "%(user)s reversed the serial generation: %(count)s serial "
                "numbers go back with %(transfers)s, in the background, in "
                "chunks of %(size)s.",
                user=self.env.user.name,
                count=self._serial_count(job.total),
                transfers=returns,
                size=self._serial_count(document.company_id.serial_batch_size),
            )
        else:
            body = self.env._(
                "%(user)s reversed the serial generation: %(transfers)s.",
                user=self.env.user.name,
                transfers=returns,
            )
        if left:
            body += " " + self._left_text(left, self._where(left))
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
