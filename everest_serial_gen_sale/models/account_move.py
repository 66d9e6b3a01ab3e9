from odoo import models


class AccountMove(models.Model):
    """A credit note of a sale brings the goods into the Stock location of
    the warehouse its sale order ships from."""

    _inherit = "account.move"

    def _serial_warehouse(self):
        """The warehouse of the credit note's sale order, if any."""
        self.ensure_one()
        return (
            self.invoice_line_ids.sale_line_ids.order_id.warehouse_id.filtered(
                lambda warehouse: warehouse.company_id == self.company_id
            )[:1]
            or super()._serial_warehouse()
        )
