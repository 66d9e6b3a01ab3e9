"""Send to Vendor and Receive from Vendor leave what Odoo's own reservation
and validation leave, quant by quant, with the fast path and without (#25)."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.everest_serial_gen.tests.common import PACKAGE_MODEL, BothWays

from .test_vendor import VendorCase

RETURNED = "2026-11-26 10:00:00"
SENT = "2026-11-27 15:30:00"
RECEIVED = "2026-11-30 09:15:00"


@tagged("post_install", "-at_install")
class TestFastPathVendor(BothWays, VendorCase):
    def _in_out_location(self, fast, count):
        """``count`` serials of a new product, generated on a customer
        return: in the Out location, committed as a user leaves them."""
        product = self._create_product(
            f"{'FAST' if fast else 'ODOO'} Laptop",
            "serial",
            seller_ids=[Command.create({"partner_id": self.vendor.id})],
        )
        with freeze_time(RETURNED):
            receipt = self._create_return_receipt([(product, count)])
            self._generate(receipt)
        self.env.flush_all()
        return receipt, receipt.serial_lot_ids

    def _loop(self, fast, packed=False):
        """5 serials sent to the vendor, then received back repaired; with
        ``packed``, one of them is in a package (Odoo's way for it)."""
        receipt, lots = self._in_out_location(fast, 5)
        if packed:
            package = self.env[PACKAGE_MODEL].create({"name": "BOX"})
            Quant = self.env["stock.quant"]
            with freeze_time(RETURNED):
                Quant._update_available_quantity(
                    lots.product_id, self.out_location, -1, lot_id=lots[0]
                )
                Quant._update_available_quantity(
                    lots.product_id,
                    self.out_location,
                    1,
                    lot_id=lots[0],
                    package_id=package,
                )
            self.env.flush_all()
        self._switch_fast_path(fast)
        with freeze_time(SENT), self._batched() as sent:
            vendor_returns = self._send(lots)
        self.env.flush_all()
        with freeze_time(RECEIVED), self._batched() as received:
            vendor_receipts = self._receive(lots)
        pickings = receipt | vendor_returns | vendor_receipts
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        return self._both_ways_state(pickings, lots), sent, received

    def test_send_and_receive(self):
        fast, sent, received = self._loop(True)
        odoo, *unbatched = self._loop(False)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(sent, {"moved": 5, "reserved": 5})
        self.assertEqual(received, {"moved": 5, "reserved": 0})
        self.assertEqual(unbatched, [{"moved": 0, "reserved": 0}] * 2)
        # each serial back where it left from, none left at the vendor
        self.assertEqual(
            [
                sorted(values[:2] for values in quants if values[1])
                for quants in fast["quants"]
            ],
            [
                [
                    (self.customer_location.id, -1.0),
                    (self.out_location.id, 1.0),
                ]
            ]
            * 5,
        )

    def test_send_and_receive_a_packed_serial(self):
        """The packed serial is reserved Odoo's way, and its product's lines
        are validated by Odoo's loop, all of them; it comes back unpacked,
        as Odoo sent it, and the batch takes them all."""
        fast, sent, received = self._loop(True, packed=True)
        odoo, *_unbatched = self._loop(False, packed=True)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(sent, {"moved": 0, "reserved": 4})
        self.assertEqual(received, {"moved": 5, "reserved": 0})

    def test_send_without_validating(self):
        """Reserved, not validated: the reservation itself is Odoo's."""
        states, counts = [], []
        for fast in (True, False):
            _receipt, lots = self._in_out_location(fast, 4)
            self._switch_fast_path(fast)
            with freeze_time(SENT), self._batched() as batched:
                vendor_return = self._send(lots, validate=False)
            self.assertEqual(vendor_return.state, "assigned")
            states.append(self._both_ways_state(vendor_return, lots))
            counts.append(batched)
        self.assertSameBothWays(*states)
        self.assertEqual(
            counts, [{"moved": 0, "reserved": 4}, {"moved": 0, "reserved": 0}]
        )
        self.assertEqual(
            [quants[-1][1:3] for quants in states[0]["quants"]], [(1.0, 1.0)] * 4
        )
