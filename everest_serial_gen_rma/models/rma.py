from odoo import fields, models
from odoo.exceptions import UserError


class Rma(models.Model):
    """Generate Serial # on OCA's RMA, the community's return document: an
    item that comes back on an RMA with no serial in Odoo (sold before the
    company used Odoo) gets one, and a known serial is attached, on the
    RMA's own reception, into the RMA's location; the serials show on the
    RMA.

    The RMA is a document type of the core (``serial.generate.mixin``) and
    its reception move its line: the hooks below say where its units come
    in and when Generate Serial # applies. Its reception is the RMA's own
    transfer, which receives the units itself, as a customer return does
    (``stock.picking``): OCA's RMA then sees it received as usual.
    """

    _name = "rma"
    _inherit = ["rma", "serial.generate.mixin"]
    _serial_lines_field = "reception_move_id"
    _serial_reverse_depends = (
        "state",
        "reception_move_id.state",
        "reception_move_id.returned_move_ids.state",
    )

    serial_lot_ids = fields.Many2many(
        "stock.lot",
        "rma_serial_lot_rel",
        "rma_id",
        "lot_id",
        string="Serial Numbers",
        readonly=True,
        copy=False,
        check_company=True,
        help="The serial numbers that Generate Serial # created or attached "
        "for this RMA.",
    )

    def _serial_origin(self):
        return ("rma", self.env._("RMA"))

    def _serial_candidate_domain(self):
        return [
            ("state", "=", "confirmed"),
            ("product_id.is_storable", "=", True),
            ("product_id.tracking", "in", ("serial", "lot")),
        ]

    def _serial_document_error(self):
        self.ensure_one()
        if self.state != "confirmed" or self.reception_move_id.state in (
            False,
            "done",
            "cancel",
        ):
            return self.env._(
                "Generate Serial # applies to confirmed RMAs whose reception "
                "is still to receive, not to %(document)s.",
                document=self.display_name,
            )
        return None

    def _serial_default_location(self):
        self.ensure_one()
        return self.reception_move_id.location_dest_id or self.location_id

    def _serial_destination_note(self, location):
        self.ensure_one()
        return self.env._(
            "OK adds the serials to %(receipt)s, the reception of %(rma)s, and "
            "puts the item into %(location)s.",
            receipt=self.reception_move_id.picking_id.display_name,
            rma=self.display_name,
            location=location.display_name,
        )

    # The RMA's reception receives its units itself ---------------------------

    def _serial_returns_deliveries(self):
        """A known serial comes in on the RMA's own reception, as OCA's RMA
        receives what it was made for: not on a return of its delivery."""
        return False

    def _serial_offers_validation(self):
        return True

    def _serial_location_error(self, location):
        """The units come in with the RMA's reception move: into its
        destination, or a location under it, as a putaway would."""
        self.ensure_one()
        destination = self.reception_move_id.location_dest_id
        if destination and not location._child_of(destination):
            return self.env._(
                "The items of %(rma)s come in with its reception, into "
                "%(location)s: choose it or a location under it.",
                rma=self.display_name,
                location=destination.display_name,
            )
        return None

    def _serial_open_transfers(self, job, location):
        """Every unit comes in with the reception move itself: OCA's RMA
        takes the RMA as received only when that move receives all of it."""
        self.ensure_one()
        # Sudo: users read generations, only the addon writes them.
        job.line_ids.filtered(
            lambda line: line.kind != "retrieve"
        ).sudo().move_id = self.reception_move_id

    def _serial_receive(self, lines, lots, location, validate):
        """Each chunk adds its lines to the reception move, whole (OCA's
        RMA refuses to receive less than the RMA); the reception is
        validated with the last."""
        self.ensure_one()
        moving = [
            (line, line_lots)
            for line, line_lots in zip(lines, lots, strict=True)
            if line.moved_quantity
        ]
        if moving:
            move = self.env["stock.move"]._serial_bring_in(
                *zip(*moving, strict=True), split=False
            )
            if location != move.location_dest_id:
                taken = self.env["stock.lot"].concat(
                    *(line_lots for _line, line_lots in moving),
                    *(line.attached for line, _lots in moving if line.attached),
                )
                move.move_line_ids.filtered(
                    lambda move_line: move_line.lot_id in taken
                ).location_dest_id = location
        picking = self.reception_move_id.picking_id
        if validate:
            picking._serial_validate()
        return picking

    def _serial_chunk_source(self, job_line):
        return self.reception_move_id.picking_id._serial_chunk_source(job_line)

    def _serial_job_stopped(self, job):
        """The reception is the RMA's: it stays as the user left it."""
        return self.reception_move_id.picking_id._serial_job_stopped(job)

    # Reversal and what is never lost ---------------------------------------------

    def _serial_is_reversible(self):
        self.ensure_one()
        return self.reception_move_id.state == "done"

    def _serial_transfers(self):
        return self.reception_move_id.picking_id.filtered(
            lambda picking: picking.state == "done"
        )

    def action_cancel(self):
        """An RMA whose generated serials are in stock is reversed first: its
        reception is done, and nothing is lost."""
        for rma in self.filtered("serial_lot_ids"):
            if rma._serial_lines_to_reverse():
                raise UserError(
                    self.env._(
                        "Serial numbers were generated on %(rma)s and are in "
                        "stock. Use Reverse Serial Generation to send "
                        "them back to the customer first.",
                        rma=rma.display_name,
                    )
                )
        return super().action_cancel()
