from odoo import models


class SerialVendorReceive(models.AbstractModel):
    """Receive from Vendor as an operation on serials, as Send to Vendor
    runs (``serial.vendor.send``): a receipt from the vendor, its lines
    Odoo's own, numbered with the serials that come back, each the same
    serial repaired or its replacement. A replacement that never came in
    (the job stopped first) is not kept: it was created at OK only to hold
    its name."""

    _name = "serial.vendor.receive"
    _inherit = "serial.vendor.send"
    _description = "Receive from Vendor"
    _serial_operation = "receive"

    def _serial_start(self, job, picking, pairs):
        """Tell the job's lines which serials come back in place of which."""
        result = super()._serial_start(job, picking, pairs)
        replacements = self.env["stock.lot"].concat(
            *(lot for quant, lot in pairs if lot != quant.lot_id)
        )
        for line in job.line_ids:
            originals = set(line.move_lot_ids.ids)
            mine = replacements.filtered(
                lambda new, originals=originals: new.serial_replaces_lot_id.id
                in originals
            )
            if mine:
                # Sudo: users read generations, only the addon writes them.
                line.sudo().replacement_lot_ids = mine
        return result

    def _serial_job_stopped(self, job, document):
        note = super()._serial_job_stopped(job, document)
        # Sudo: the runner removes what its own job created, whoever
        # stopped it; the job's user may not delete serials.
        replacements = job.sudo().line_ids.replacement_lot_ids
        moved = {
            lot
            for (lot,) in self.env["stock.move.line"]
            .sudo()
            ._read_group([("lot_id", "in", replacements.ids)], ["lot_id"])
        }
        replacements.filtered(lambda lot: lot not in moved).unlink()
        return note

    def _serial_log(self, job, pickings):
        """Say on the receipts and their serials that they came back, and on
        each replaced serial which one replaces it."""
        # Sudo: the job's lines, which users read but the addon writes
        replacements = (
            job.sudo().line_ids.replacement_lot_ids & pickings.move_line_ids.lot_id
        ).sudo(False)
        self.env["serial.vendor.return"]._log_received(pickings, replacements)
