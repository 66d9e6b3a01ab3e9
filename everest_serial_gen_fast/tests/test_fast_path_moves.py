"""The batches that move serials Odoo knows (Reverse Serial Generation,
and through the bridges Attach, Send to Vendor, Receive from Vendor) leave
what Odoo's own reservation and validation leave, quant by quant (#25)."""

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.everest_serial_gen.tests.common import (
    PACKAGE_MODEL,
    BothWays,
    SerialGenCase,
)

NOW = "2026-11-26 10:00:00"
LATER = "2026-11-27 15:30:00"


@tagged("post_install", "-at_install")
class TestFastPathMoves(BothWays, SerialGenCase):
    def _reversed(self, fast, packed=False):
        """A credit note of 5 serials and 4 units of a lot product,
        generated, then reversed a day later; with ``packed``, the lot is
        put in a package meanwhile (Odoo's own way for it)."""
        prefix = "FAST" if fast else "ODOO"
        serial = self._create_product(f"{prefix} Laptop", "serial")
        lot = self._create_product(f"{prefix} Cable", "lot")
        self._switch_fast_path(fast)
        with freeze_time(NOW):
            refund = self._create_credit_note([(serial, 5), (lot, 4)])
            self._generate(refund)
        # the OK is committed before the user packs: Odoo computes the
        # inventory_diff_quantity of a quant it created when it is flushed,
        # from the quantity then
        self.env.flush_all()
        lots = refund.serial_lot_ids
        if packed:
            package = self.env[PACKAGE_MODEL].create({"name": f"{prefix} BOX"})
            cable = lots.filtered(lambda one: one.product_id == lot)
            Quant = self.env["stock.quant"]
            with freeze_time(NOW):
                Quant._update_available_quantity(
                    lot, self.stock_location, -4, lot_id=cable
                )
                Quant._update_available_quantity(
                    lot, self.stock_location, 4, lot_id=cable, package_id=package
                )
        # what a user did before is committed: Odoo computes a quant's
        # inventory_diff_quantity when it is flushed
        self.env.flush_all()
        with freeze_time(LATER), self._batched() as counts:
            refund.action_reverse_serial_generation()
        pickings = (
            self.env["stock.move.line"].search([("lot_id", "in", lots.ids)]).picking_id
        )
        self.assertEqual(len(pickings), 2)
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        return self._both_ways_state(pickings, lots), counts

    def test_reverse(self):
        fast, batched = self._reversed(True)
        odoo, unbatched = self._reversed(False)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 6, "reserved": 6})
        self.assertEqual(unbatched, {"moved": 0, "reserved": 0})
        # back at the customer, nothing left in stock
        self.assertEqual(
            [{values[:2] for values in quants} for quants in fast["quants"]],
            [{(self.customer_location.id, 0.0), (self.stock_location.id, 0.0)}] * 6,
        )

    def test_reverse_a_packed_lot(self):
        """The packed lot takes Odoo's way, the serials the batches."""
        fast, batched = self._reversed(True, packed=True)
        odoo, _unbatched = self._reversed(False, packed=True)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 5, "reserved": 5})
