from odoo import fields, models


class SerialGenerationJob(models.Model):
    """Send to Vendor and Receive from Vendor of more serials than the
    company's batch size run in the background, as a generation does."""

    _inherit = "serial.generation.job"

    operation = fields.Selection(
        selection_add=[
            ("send", "Send to Vendor"),
            ("receive", "Receive from Vendor"),
        ],
        ondelete={"send": "cascade", "receive": "cascade"},
    )

    def _fail(self, error):
        """A stopped Receive from Vendor keeps no replacement serial that
        never came in: it was created at OK only to reserve its name."""
        result = super()._fail(error)
        # what the finished chunks moved is logged as the run at once logs it
        moved = self.transfer_ids.filtered(lambda picking: picking.state == "done")
        if self.operation == "send":
            self.env["serial.vendor.return"]._log_sent(moved)
        elif self.operation == "receive":
            self.env["serial.vendor.return"]._log_received(
                moved,
                self.line_ids.replacement_lot_ids.filtered(
                    lambda lot: lot in moved.move_line_ids.lot_id
                ),
            )
        if self.operation == "receive":
            # Sudo: the runner removes what its own job created, whoever
            # stopped it; the job's user may not delete serials.
            replacements = self.sudo().line_ids.replacement_lot_ids
            moved = {
                lot
                for (lot,) in self.env["stock.move.line"]
                .sudo()
                ._read_group([("lot_id", "in", replacements.ids)], ["lot_id"])
            }
            replacements.filtered(lambda lot: lot not in moved).unlink()
        return result

    def _on_done(self, document):
        """Log on the transfer and on each serial, as the operation run at
        once does, now that it is true."""
        result = super()._on_done(document)
        vendor_return = self.env["serial.vendor.return"]
        if self.operation == "send":
            vendor_return._log_sent(self.transfer_ids)
        elif self.operation == "receive":
            vendor_return._log_received(
                self.transfer_ids, self.line_ids.replacement_lot_ids
            )
        return result
