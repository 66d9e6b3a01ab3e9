"""Reverse Serial Generation above the company's batch size runs in the
background, chunk by chunk, with one return per transfer, and leaves what
the reversal run at once leaves (#25)."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import BothWays, SerialGenCase

NOW = "2026-11-26 10:00:00"
LATER = "2026-11-27 15:30:00"


@tagged("post_install", "-at_install")
class TestBackgroundReverse(BothWays, SerialGenCase):
    def setUp(self):
        super().setUp()
        self.Job = self.env["serial.generation.job"]
        # the job runs as the user who asked: not a superuser
        self.stock_user = new_test_user(
            self.env,
            "background_stock_user",
            groups="stock.group_stock_user,account.group_account_invoice",
        )

    def _run_runner(self, times=10):
        for _call in range(times):
            self.Job._serial_runner_step()

    def _generated(self, prefix, count=5):
        product = self._create_product(f"{prefix} Laptop", "serial")
        with freeze_time(NOW):
            refund = self._create_credit_note([(product, count)])
            self._generate(refund)
        self.env.flush_all()
        return refund, refund.serial_lot_ids

    def _state(self, refund, lots):
        """What the reversal left, but for how many moves brought it and
        valued it: the totals of the valuation."""
        returns = refund.serial_job_ids.filtered(
            lambda job: job.operation == "reverse"
        ).transfer_ids
        pickings = refund.serial_picking_ids | returns
        state = self._both_ways_state(pickings, lots)
        # in the background, each chunk validates its part of the return and
        # leaves the rest on a backorder
        state["pickings"] = sorted(set(state["pickings"]))
        moves = returns.move_ids.filtered(lambda move: move.state == "done")
        state["moves"] = (
            sum(moves.mapped("product_uom_qty")),
            set(moves.mapped("state")),
            all(moves.mapped("origin_returned_move_id")),
            len(moves.move_orig_ids),
        )
        state["valuation"] = [
            sum(layer[index] for layer in state["valuation"]) for index in range(4)
        ]
        return state

    @freeze_time(LATER)
    def test_reverse_in_chunks(self):
        at_once, at_once_lots = self._generated("ONCE")
        at_once.action_reverse_serial_generation()
        # every reversal leaves a record too, done at once
        self.assertEqual(
            at_once.serial_job_ids.sorted("id").mapped(
                lambda job: (job.operation, job.state)
            ),
            [("generate", "done"), ("reverse", "done")],
        )

        refund, lots = self._generated("CHUNKS")
        self.company.serial_batch_size = 2
        counts = self._counts()
        action = refund.with_user(self.stock_user).action_reverse_serial_generation()
        self.assertIn("in the background", action["params"]["message"])
        job = refund.serial_job_ids.filtered(lambda job: job.operation == "reverse")
        self.assertEqual((job.state, job.total, job.done_count), ("queued", 5, 0))
        # the return is Odoo's, confirmed, and nothing moved or reserved yet
        returned = refund.serial_picking_ids.return_ids
        self.assertEqual(job.transfer_ids, returned)
        self.assertEqual(returned.state, "waiting")
        self.assertFalse(returned.move_line_ids)
        self.assertEqual(self._counts()["stock.move.line"], counts["stock.move.line"])
        self.assertEqual(len(self._quants(lots, self.stock_location)), 5)
        self.assertIn("0 of 5", refund.serial_job_progress)
        self.assertIn("Reverse Serial Generation", refund.serial_job_progress)
        # one job per document at a time
        self.assertNothingCreated(
            refund.action_reverse_serial_generation,
            message="Reverse Serial Generation in the background: 0 of 5",
        )
        # Cancel waits for the reversal asked for, rather than advise it (#31)
        error = self.assertNothingCreated(refund.button_cancel)
        self.assertIn("Reverse Serial Generation in the background", str(error))
        self.assertIn("Cancel the document once that is done.", str(error))
        self.assertNotIn("Use Action > Reverse", str(error))

        self.Job._serial_runner_step()
        self.assertEqual(job.done_count, 2)
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 3
        )
        # the chunk validated its part of the return; the rest waits on a
        # backorder, which the job holds
        self.assertEqual(returned.state, "done")
        self.assertEqual(len(returned.move_line_ids), 2)
        backorder = job.transfer_ids - returned
        self.assertEqual(backorder.backorder_id, returned)
        self.assertNotEqual(backorder.state, "done")
        self.assertTrue(backorder.serial_job_held)
        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 5))
        self.assertEqual(set(job.transfer_ids.mapped("state")), {"done"})
        self.assertEqual(job.transfer_ids.move_line_ids.lot_id, lots)
        self.assertFalse(job.transfer_ids.filtered("serial_job_held"))
        self.assertFalse(refund.serial_job_progress)
        self.assertIn(
            "is done in the background", refund.message_ids[:1].body.striptags()
        )
        self.assertSameBothWays(
            self._state(refund, lots), self._state(at_once, at_once_lots)
        )
        # the lots' origin still names the generation only
        self.assertNotIn(job, lots.serial_job_ids)

    def test_stopped_reversal_validates_what_went_back(self):
        refund, lots = self._generated("STOP")
        self.company.serial_batch_size = 2
        refund.with_user(self.stock_user).action_reverse_serial_generation()
        job = refund.serial_job_ids.filtered(lambda job: job.operation == "reverse")
        self.Job._serial_runner_step()
        job.action_cancel()
        self.assertEqual(job.state, "failed")
        # the chunk's part went back; the backorder of the rest, where
        # nothing moved, is cancelled
        returned = job.transfer_ids.filtered(lambda picking: picking.state == "done")
        self.assertEqual(len(returned.move_line_ids.lot_id), 2)
        self.assertEqual((job.transfer_ids - returned).mapped("state"), ["cancel"])
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 3
        )
        self.assertIn("stopped after 2 of 5", refund.message_ids[:1].body.striptags())
        # the transfer is done with what moved: no banner stays
        self.assertFalse(refund.serial_job_progress)
        self.assertFalse(job.transfer_ids.filtered("serial_job_held"))
        # the rest can be reversed again
        self.company.serial_batch_size = 100
        refund.action_reverse_serial_generation()
        self.assertFalse(self._quants(lots, self.stock_location).filtered("quantity"))

    def test_serial_moved_meanwhile_fails_the_chunk(self):
        refund, lots = self._generated("MOVED")
        self.company.serial_batch_size = 2
        refund.action_reverse_serial_generation()
        job = refund.serial_job_ids.filtered(lambda job: job.operation == "reverse")
        # a user sends one of the first chunk elsewhere meanwhile
        moved = job.line_ids.move_lot_ids.sorted("id")[:1]
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(
            moved.product_id, self.stock_location, -1, lot_id=moved
        )
        Quant._update_available_quantity(
            moved.product_id, self.customer_location, 1, lot_id=moved
        )
        self.Job._serial_runner_step()
        self.assertEqual(job.state, "failed")
        self.assertIn(moved.name, job.error)
        self.assertEqual(job.done_count, 0)
        # the open return was closed: nothing came back, nothing is open
        self.assertEqual(job.transfer_ids.state, "cancel")
        self.assertFalse(job.transfer_ids.move_line_ids)

    def test_the_jobs_transfer_is_the_jobs_until_it_ends(self):
        """Validated, reserved, cancelled or deleted by hand meanwhile, the
        return would take other serials or leave the job without moves."""
        refund, lots = self._generated("HELD")
        self.company.serial_batch_size = 2
        refund.with_user(self.stock_user).action_reverse_serial_generation()
        job = refund.serial_job_ids.filtered(lambda job: job.operation == "reverse")
        returned = job.transfer_ids.with_user(self.stock_user)
        # the return shows the job's progress, though the job is the credit
        # note's
        self.assertIn("0 of 5", returned.serial_job_progress)
        move = returned.move_ids
        for action in (
            lambda: move.write({"product_uom_qty": 1}),
            lambda: returned.write(
                {"move_ids": [Command.update(move.id, {"product_uom_qty": 1})]}
            ),
            returned.button_validate,
            returned.action_confirm,
            returned.action_assign,
            returned.action_cancel,
            # over RPC, a move or a line of its own added to the transfer
            lambda: self.env["stock.move"]
            .with_user(self.stock_user)
            .create(
                {
                    "product_id": move.product_id.id,
                    "product_uom_qty": 1,
                    "product_uom": move.product_uom.id,
                    "picking_id": returned.id,
                    "location_id": returned.location_id.id,
                    "location_dest_id": returned.location_dest_id.id,
                }
            ),
            lambda: self.env["stock.move.line"]
            .with_user(self.stock_user)
            .create(
                {
                    "move_id": move.id,
                    "product_id": move.product_id.id,
                    "quantity": 1,
                    "location_id": returned.location_id.id,
                    "location_dest_id": returned.location_dest_id.id,
                }
            ),
        ):
            self.assertNothingCreated(action, message="being filled in the background")
        # a stock user may not delete moves: an administrator; Odoo cancels
        # the moves before it deletes them, which the request's rollback
        # undoes (a savepoint here)
        with self.assertRaises(UserError) as caught:
            job.transfer_ids.unlink()
        self.assertIn("being filled in the background", str(caught.exception))
        self.assertEqual(returned.state, "waiting")
        self.Job._serial_runner_step()
        job.action_cancel()
        # once the job stopped, the transfer is the user's again
        self.assertEqual(returned.state, "done")
        self.assertEqual(len(returned.move_line_ids), 2)
