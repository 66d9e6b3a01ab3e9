"""Send to Vendor and Receive from Vendor above the company's batch size run
in the background, chunk by chunk, with one transfer, and leave what the
same operation run at once leaves (#25)."""

from collections import defaultdict

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.everest_serial_gen.tests.common import BothWays

from .test_vendor import VendorCase

RETURNED = "2026-11-26 10:00:00"
SENT = "2026-11-27 15:30:00"
RECEIVED = "2026-11-30 09:15:00"


@tagged("post_install", "-at_install")
class TestBackgroundVendor(BothWays, VendorCase):
    def setUp(self):
        super().setUp()
        # the jobs run as the user who asked: not a superuser
        self.stock_user = new_test_user(
            self.env, "vendor_stock_user", groups="stock.group_stock_user"
        )
        # the demo data's loop left jobs of its own
        self.jobs_before = (
            self.env["serial.generation.job"].search([], order="id desc", limit=1).id
        )

    def _run_runner(self, times=10):
        for _call in range(times):
            self.env["serial.generation.job"]._serial_runner_step()

    def _loop(self, prefix, batch_size):
        """5 serials generated on a return, sent to the vendor, then
        received back, the first replaced by a typed serial."""
        self.company.serial_batch_size = 100
        product = self._create_product(
            f"{prefix} Laptop",
            "serial",
            seller_ids=[Command.create({"partner_id": self.vendor.id})],
        )
        with freeze_time(RETURNED):
            receipt = self._create_return_receipt([(product, 5)])
            self._generate(receipt)
        lots = receipt.serial_lot_ids.sorted("id")
        self.env.flush_all()
        self.company.serial_batch_size = batch_size
        with freeze_time(SENT):
            sent = self._send(lots, user=self.stock_user)
            self._run_runner()
        sent = sent.serial_job_ids.transfer_ids
        self.assertEqual(set(sent.mapped("state")), {"done"})
        self.assertEqual(sent.move_line_ids.lot_id, lots)
        self.env.flush_all()
        with freeze_time(RECEIVED):
            received = self._receive(
                lots, replace={lots[0]: f"{prefix}-NEW"}, user=self.stock_user
            )
            self._run_runner()
        received = received.serial_job_ids.transfer_ids
        self.assertEqual(set(received.mapped("state")), {"done"})
        new = received.move_line_ids.lot_id - lots
        self.assertEqual(new.name, f"{prefix}-NEW")
        self.assertEqual(new.serial_replaces_lot_id, lots[0])
        return receipt | sent | received, lots | new

    def _state(self, pickings, lots):
        """What the loop left, but for how many transfers and moves brought
        it: in the background, each chunk validates its part of a transfer
        and leaves the rest on a backorder."""
        state = self._both_ways_state(pickings, lots)
        state["pickings"] = sorted(set(state["pickings"]))
        quantities = defaultdict(float)
        for picking in pickings:
            quantities[picking.picking_type_id.id] += sum(
                picking.move_ids.mapped("quantity")
            )
        state["moves"] = sorted(quantities.items())
        state["valuation"] = [
            sum(layer[index] for layer in state["valuation"]) for index in range(4)
        ]
        return state

    def test_send_and_receive_in_chunks(self):
        at_once = self._state(*self._loop("ONCE", 100))
        in_chunks = self._state(*self._loop("CHUNKS", 2))
        self.assertSameBothWays(in_chunks, at_once)
        # each run leaves a record, at once or in the background
        jobs = self.env["serial.generation.job"].search(
            [("operation", "in", ("send", "receive")), ("id", ">", self.jobs_before)]
        )
        self.assertEqual(
            sorted(jobs.mapped("operation")), ["receive", "receive", "send", "send"]
        )
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertEqual(jobs.mapped("total"), [5, 5, 5, 5])

    def test_send_is_queued_then_logged(self):
        _receipt, lots = self._returned_serials(3)
        self.company.serial_batch_size = 2
        form = self._send_form(lots)
        action = form.save().action_send()
        self.assertEqual(action["tag"], "display_notification")
        # under its title, not repeated in the message (#31)
        self.assertEqual(action["params"]["title"], "Send to Vendor")
        self.assertIn("3 serial numbers are moved", action["params"]["message"])
        self.assertNotIn("Send to Vendor", action["params"]["message"])
        sent = self.env["stock.picking"].browse(action["params"]["next"]["res_id"])
        self.assertEqual(sent.state, "draft")
        self.assertIn("0 of 3", sent.serial_job_progress)
        self.assertEqual(len(self._quants(lots, self.out_location)), 3)
        # nothing said of the serials before it is true
        self.assertFalse(
            lots.message_ids.filtered(lambda m: "Sent to vendor" in (m.body or ""))
        )
        self._run_runner()
        self.assertEqual(sent.state, "done")
        self.assertEqual(
            set(self._quants(lots, self.vendor_location).mapped("quantity")), {1.0}
        )
        for lot in lots:
            self.assertIn(
                "Sent to vendor",
                " ".join(lot.message_ids.mapped(lambda m: str(m.body))),
            )

    def test_stopped_receive_keeps_no_replacement_that_never_came(self):
        _receipt, lots = self._returned_serials(3)
        self._send(lots)
        self.company.serial_batch_size = 2
        lots = lots.sorted("id")
        received = self._receive(
            lots, replace={lots[0]: "NEW-0", lots[2]: "NEW-2"}, user=self.stock_user
        )
        job = received.serial_job_ids
        self.assertEqual(job.operation, "receive")
        self.assertEqual(len(job.line_ids.replacement_lot_ids), 2)
        self.env["serial.generation.job"]._serial_runner_step()
        job.action_cancel()
        self.assertEqual(received.state, "done")
        self.assertEqual(
            received.move_line_ids.lot_id.mapped("name"), ["NEW-0", lots[1].name]
        )
        # NEW-2 never came in: it is gone; lots[2] is still at the vendor
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "NEW-2")]))
        self.assertTrue(lots[2].serial_at_vendor)
        # what came in is said, as the run at once says it; nothing else
        bodies = {
            lot: " ".join(map(str, lot.message_ids.mapped("body"))) for lot in lots
        }
        self.assertIn("Replaced by", bodies[lots[0]])
        self.assertIn("Received from vendor", bodies[lots[1]])
        self.assertNotIn("Received from vendor", bodies[lots[2]])

    def test_serials_of_a_queued_job_are_its_own(self):
        _receipt, lots = self._returned_serials(3)
        self.company.serial_batch_size = 2
        self._send(lots, user=self.stock_user)
        self.company.serial_batch_size = 100
        self.assertNothingCreated(
            lambda: self._send(lots[:1], user=self.stock_user),
            message="being moved in the background",
        )
