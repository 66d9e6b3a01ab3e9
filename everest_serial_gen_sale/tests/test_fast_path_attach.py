"""Attach on a credit note of a sale leaves what Odoo's own validation
leaves, quant by quant, with the fast path and without (#25): the return of
the delivery, the sale, the valuation and what Odoo's Return still offers."""

from contextlib import contextmanager
from unittest.mock import patch

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
        with (
            freeze_time(CREDITED),
            self._batched() as counts,
            self._placed_along_the_chain() as placed,
        ):
            self._ours(refund)
        counts.update(placed)
        self.assertEqual(refund.serial_picking_ids.state, "done")
        state = self._both_ways_state(delivery | refund.serial_picking_ids, lots)
        state["end"] = self._end_state(order, product)
        state["offer"] = self._return_offer(delivery)
        state["return_lines"] = self._every_column(
            refund.serial_picking_ids.move_line_ids.sorted(
                lambda line: line.lot_id.name
            )
        )
        return state, counts

    # the records that differ between the two flows by construction
    OWN = ("id", "move_id", "picking_id", "product_id", "lot_id", "reference")
    OWN_PREFIXES = ("create_", "write_", "date")

    def _every_column(self, lines):
        """Each stored column of ``lines`` but their own records and dates:
        relations by id, the rest as stored."""
        names = [
            name
            for name, field in lines._fields.items()
            if field.store
            and field.column_type
            and name not in self.OWN
            and not name.startswith(self.OWN_PREFIXES)
        ]
        return [
            {
                name: line[name].id if line._fields[name].relational else line[name]
                for name in names
            }
            for line in lines
        ]

    @contextmanager
    def _placed_along_the_chain(self):
        """Count the lines the fast path makes at once along the chain to
        the delivery, where Odoo's assignment would make them one by one."""
        counts = {"placed": 0}
        Move = self.env.registry["stock.move"]
        plain_chains = Move._serial_plain_chains

        def spy(moves, by_move):
            chains = plain_chains(moves, by_move)
            counts["placed"] += sum(map(len, chains.values()))
            return chains

        with patch.object(Move, "_serial_plain_chains", spy):
            yield counts

    def test_attach_all(self):
        fast, batched = self._attach(True, 5)
        odoo, unbatched = self._attach(False, 5)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 5, "reserved": 0, "placed": 5})
        self.assertEqual(unbatched, {"moved": 0, "reserved": 0, "placed": 0})
        self.assertEqual(fast["end"]["sale"][0], 0.0)
        self.assertEqual(fast["offer"], ([0.0], []))

    def test_attach_part(self):
        fast, batched = self._attach(True, 3)
        odoo, _unbatched = self._attach(False, 3)
        self.assertSameBothWays(fast, odoo)
        self.assertEqual(batched, {"moved": 3, "reserved": 0, "placed": 3})
        self.assertEqual(fast["end"]["sale"][0], 2.0)

    def test_attach_lots(self):
        """Lots of 3 units, 10 of 15 credited."""
        fast, batched = self._attach(True, 10, tracking="lot", units=3.0)
        odoo, _unbatched = self._attach(False, 10, tracking="lot", units=3.0)
        self.assertSameBothWays(fast, odoo)
        self.assertTrue(batched["moved"])
        self.assertEqual(fast["end"]["sale"][0], 5.0)
