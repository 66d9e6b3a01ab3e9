from collections import defaultdict

from odoo import api, models


class SerialVendorSend(models.AbstractModel):
    """Send to Vendor as an operation on serials (``serial.job.operation``):
    a transfer to the vendor holding exactly the serials chosen, reserved by
    Odoo restricted to them, at once, or chunk by chunk in the background
    above the batch size (``serial.chunked.transfer``). The business of the
    loop lives in ``serial.vendor.return``; this says what runs, and logs
    on the transfer and the serials once it is true."""

    _name = "serial.vendor.send"
    _inherit = "serial.chunked.transfer"
    _description = "Send to Vendor"
    _serial_operation = "send"

    @api.model
    def _serial_plan(self, picking, pairs, validate=True):
        """The draft transfer ``picking`` moves ``pairs`` (quant, lot it
        moves as): one generation line per move, with the serials it takes."""
        moves = picking.move_ids.grouped("product_id")
        by_move = defaultdict(list)
        for quant, _lot in pairs:
            by_move[moves[quant.product_id]].append(quant.lot_id)
        moves_lots = [
            (move, self.env["stock.lot"].concat(*lots))
            for move, lots in by_move.items()
        ]
        movable = validate and self.env["serial.vendor.return"]._movable(pairs)
        vals = self._serial_moves_job_vals(picking, moves_lots, movable)
        vals["validate_transfer"] = validate
        return picking, pairs, vals

    def _serial_run(self, job, picking, pairs):
        """At once: Odoo's reservation restricted to the serials (lines from
        where Odoo reserves nothing), validated when asked, logged."""
        vendor_return = self.env["serial.vendor.return"]
        if picking.location_id.should_bypass_reservation():
            vendor_return._take_lines(picking, pairs)
        else:
            # Odoo would reserve any serials of the products: take exactly these
            picking.with_context(serial_reserves_itself=True).action_confirm()
            vendor_return._reserve_exactly(picking, pairs)
        if job.validate_transfer:
            picking._serial_validate_done()
            self._serial_log(job, picking)
        return {line: line.count for line in job.line_ids}, self.env["stock.lot"]

    def _serial_job_done(self, job, document):
        result = super()._serial_job_done(job, document)
        self._serial_log(job, job.transfer_ids)
        return result

    def _serial_job_stopped(self, job, document):
        note = super()._serial_job_stopped(job, document)
        # what the finished chunks moved is logged as the run at once logs it
        self._serial_log(
            job, job.transfer_ids.filtered(lambda picking: picking.state == "done")
        )
        return note

    def _serial_log(self, job, pickings):
        """Say on the transfers and their serials that they went."""
        self.env["serial.vendor.return"]._log_sent(pickings)
