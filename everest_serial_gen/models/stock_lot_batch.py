"""Lots created in a batch, as create() would (models/batch_create.py)."""

from odoo import api, models

from .batch_create import copies_supported, create_as_copies
from .lot_uniqueness import duplicate_lot_error

ADDON = __name__.split(".")[2]
# stock: _check_create and the no-subscribe context; stock_account: the
# standard price of lots valued one by one (in the copied row too); mail:
# followers and the creation message, which the caller's context turns off.
KNOWN_CREATE_OVERRIDES = {"stock", "stock_account", "mail", ADDON}


class StockLot(models.Model):
    _inherit = "stock.lot"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _serial_create_batch(self, vals_list):
        """``create(vals_list)``, for new lots that differ only by name."""
        if len(vals_list) < 2 or not self._serial_batch_supported(vals_list):
            return self.create(vals_list)
        with duplicate_lot_error(self):
            return create_as_copies(self, vals_list, "name")

    def _serial_batch_supported(self, vals_list):
        return all("product_id" in vals for vals in vals_list) and copies_supported(
            self, vals_list, "name", KNOWN_CREATE_OVERRIDES
        )
