"""Attach on a credit note of a sale leaves what Odoo's own validation
leaves, quant by quant, with the fast path and without (#25): the return of
the delivery, the sale, the valuation and what Odoo's Return still offers."""

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.everest_serial_gen.tests.common import BothWays

from .test_return_matrix import ReturnMatrixCase

SOLD = "2026-11-20 10:00:00"
CREDITED = "2026-11-26 14:00:00"


@tagged("post_install", "-at_install")
class TestFastPathAttach(BothWays, ReturnMatrixCase):
    def _attach(self, fast, credited, tracking="serial", units=1.0):
        """Five serials (or lots of ``units``) sold, delivered and invoiced;
        ``credited`` units credited, then attached by Generate Serial #."""
        product = self._sold_product(
            f"{'FAST' if fast else 'ODOO'} Phone {tracking}", tracking
        )
        with freeze_time(SOLD):
            lots = self._in_stock(product, [f"S{n}" for n in range(5)], units)
            order, delivery, invoice = self._sell_deliver_invoice(product, 5 * units)
            refund = self._credit_note(invoice, credited)
        self.env.flush_all()
        self._switch_fast_path(fast)
        with freeze_time(CREDITED), self._batched() as counts:
            self._ours(refund)
        self.assertEqual(refund.serial_picking_ids.state, "done")
        state = self._both_ways_state(delivery | refund.serial_picking_ids, lots)
        state["end"] = self._end_state(order, product)
        state["offer"] = self._return_offer(delivery)
        return state, counts

    def test_attach_all(self):
        fast, batched = self._attach(True, 5)
        odoo, unbatched = self._attach(False, 5)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 5, "reserved": 0})
        self.assertEqual(unbatched, {"moved": 0, "reserved": 0})
        self.assertEqual(fast["end"]["sale"][0], 0.0)
        self.assertEqual(fast["offer"], ([0.0], []))

    def test_attach_part(self):
        fast, batched = self._attach(True, 3)
        odoo, _unbatched = self._attach(False, 3)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 3, "reserved": 0})
        self.assertEqual(fast["end"]["sale"][0], 2.0)

    def test_attach_lots(self):
        """Lots of 3 units, 10 of 15 credited."""
        fast, batched = self._attach(True, 10, tracking="lot", units=3.0)
        odoo, _unbatched = self._attach(False, 10, tracking="lot", units=3.0)
        self.assertSameBothWays(fast, odoo)
        self.assertTrue(batched["moved"])
        self.assertEqual(fast["end"]["sale"][0], 5.0)
