from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class SerialChunkedTransfer(models.AbstractModel):
    """Known serials moved by a transfer, at once or chunk by chunk: the
    base of the operations (``serial.job.operation``) that move serials Odoo
    knows, Reverse Serial Generation and the vendor loop.

    The operation plans with its transfers open, a draft move per product
    (so that lowering its demand logs nothing), each paired with the
    serials it moves; the generation records one line per move. Each chunk
    takes the next serials of each move with a move of its own split off the
    open one (or the open move itself for its last serials), reserved
    exactly on their quants, or given Odoo's lines where Odoo reserves
    nothing (at a vendor), and done at once; the chunk that brings the last
    of a transfer validates it. Run at once, the operation is one chunk of
    everything. A stopped job's transfers are validated with what moved,
    the rest cancelled (``serial.generation.job._close_transfers``).
    """

    _name = "serial.chunked.transfer"
    _inherit = "serial.job.operation"
    _description = "Serials Moved by a Transfer"

    @api.model
    def _serial_moves_job_vals(self, document, moves_lots, movable=True):
        """The generation of this operation on ``document`` that moves, for
        each open move of ``moves_lots``, its serials."""
        vals = {
            "location_dest_id": moves_lots[0][0].location_dest_id.id,
            "validate_transfer": True,
            "line_ids": [
                Command.create(self._prepare_job_line_vals(move, lots))
                for move, lots in moves_lots
                if lots
            ],
        }
        count = sum(len(lots) for _move, lots in moves_lots)
        return self._serial_prepare_job_vals(document, vals, count, movable)

    def _serial_start(self, job, document, plan):
        """A job in the background holds its transfers until it ends."""
        if job.state == "queued":
            # Sudo: only the addon marks a transfer as its job's
            job.sudo().transfer_ids.serial_job_held = True

    def _serial_run(self, job, document, plan):
        return self._serial_run_chunk(job, document, job.total)

    @api.model
    def _prepare_job_line_vals(self, move, lots, open_move=True):
        """The generation line that moves ``lots`` with ``move``: the open
        move itself, or, when not ``open_move``, the done move they return
        (the operation opens the move that takes them back later)."""
        return {
            "kind": "move",
            "source_model": move._name,
            "source_id": move.id,
            "product_id": move.product_id.id,
            "move_id": move.id if open_move else False,
            "count": len(lots),
            "lot_quantity": 1.0,
            "move_lot_ids": [Command.set(lots.ids)],
        }

    def _serial_run_chunk(self, job, document, size):
        """Move the next ``size`` serials of ``job``; return how many each of
        its lines moved. A job that does not validate its transfer (run at
        once, asked so) leaves it reserved."""
        chunk, taken = [], {}
        for line in job.line_ids.filtered(lambda line: line.done_count < line.count):
            count = min(line.count - line.done_count, size - sum(taken.values()))
            if count <= 0:
                break
            lots = line.move_lot_ids.sorted("id")[
                line.done_count : line.done_count + count
            ]
            chunk.append((line, lots, line.done_count + count == line.count))
            taken[line] = count
        moves = self.env["stock.move"]
        for line, lots, last in chunk:
            moves |= self._move_lots(line, lots, last)
        if job.validate_transfer:
            moves._serial_done_in_chunk()
        return taken, self.env["stock.lot"]

    @api.model
    def _move_lots(self, line, lots, last):
        """The move of ``line``'s transfer that takes ``lots`` now, confirmed
        and holding exactly their quants: the open move itself when they are
        the last of it, a split of it otherwise."""
        open_move = line.move_id
        if not open_move or open_move.state in ("done", "cancel"):
            raise UserError(
                self.env._(
                    "%(transfer)s was validated or cancelled meanwhile.",
                    transfer=open_move.picking_id.display_name
                    or line.job_id.document_name,
                )
            )
        pairs = line._serial_move_pairs(lots)
        if last:
            move = open_move
        else:
            # Sudo: the split keeps the open move's links to the document,
            # which only the addon sets (field_guard); the user's rights were
            # checked when the operation was asked for.
            move = (
                self.env["stock.move"]
                .sudo()
                .create(
                    open_move._serial_split_off(sum(q.quantity for q, _lot in pairs))
                )
                .with_env(self.env)
            )
        if move.location_id.should_bypass_reservation():
            # from a vendor: lines as Odoo's receipts make them, numbered
            move._serial_fill(
                [(move, lot, quant.quantity, quant.lot_id) for quant, lot in pairs]
            )
            return move
        move.with_context(serial_reserves_itself=True)._action_confirm(merge=False)
        if move._serial_reserve_quants(
            [(quant, quant.quantity) for quant, _lot in pairs]
        ):
            raise self.not_movable_error(move.location_id, lots)
        move.picked = True
        return move

    @api.model
    def not_movable_error(self, location, lots):
        return UserError(
            self.env._(
                "Some of %(serials)s are no longer in %(location)s as they "
                "were, or another transfer holds them.",
                serials=", ".join(lots.mapped("name")),
                location=location.display_name,
            )
        )

    @api.model
    def quants_at(self, lots, location):
        """``{lot: quant}``: where each serial of ``lots`` is in ``location``
        (or below it), with a quantity that no other transfer holds. Where
        Odoo reserves nothing (a vendor, a customer), the serials there as
        their moves tell it, each read as a quant (``Stay``)."""
        if location.should_bypass_reservation():
            return {
                lot: stay
                for lot, stay in lots._serial_stays(location.usage).items()
                if stay.location._child_of(location)
            }
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", lots.ids),
                ("location_id", "child_of", location.id),
                ("quantity", ">", 0),
            ]
        )
        found = {}
        for quant in quants:
            rounding = quant.product_id.uom_id.rounding
            if float_compare(quant.reserved_quantity, 0, precision_rounding=rounding):
                continue
            found.setdefault(quant.lot_id, quant)
        return found

    @api.model
    def busy_lots(self, lots, document=None):
        """The serials of ``lots`` that a queued job still has to move or to
        bring back (a generation attaching them): no other operation may
        take them meanwhile. The jobs of ``document`` itself do not count."""
        # Sudo: which serials a job holds decides for every user; only the
        # serials are returned.
        lines = (
            self.env["serial.generation.job.line"]
            .sudo()
            .search(
                [
                    ("job_id.state", "=", "queued"),
                    "|",
                    ("move_lot_ids", "in", lots.ids),
                    ("attach_lot_ids", "in", lots.ids),
                ]
            )
        )
        if document:
            lines = lines.filtered(
                lambda line: (line.job_id.res_model, line.job_id.res_id)
                != (document._name, document.id)
            )
        return lots & (lines.move_lot_ids | lines.attach_lot_ids).sudo(False)
