from unittest.mock import patch

from psycopg2.errors import LockNotAvailable

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from odoo.addons.everest_serial_gen.models import serial_generation_job

from .common import SerialGenCase


class TestBackground(SerialGenCase):
    """Above the batch size, generation runs chunk by chunk on the runner."""

    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 3
        self.Job = self.env["serial.generation.job"]

    def _run_runner(self, times=10):
        for _call in range(times):
            self.Job._serial_runner_step()

    def test_credit_note_in_chunks(self):
        refund = self._create_credit_note([(self.serial_product, 7)])
        counts = self._counts()
        _wizard, action = self._generate(refund)
        self.assertEqual(action["tag"], "display_notification")
        # OK opens the receipt, with its open move for all of it, once; no
        # serial, line or quant yet
        self.assertEqual(
            self._counts(), dict(counts, **{"stock.move": counts["stock.move"] + 1})
        )
        self.assertTrue(refund.serial_picking_ids.serial_job_held)
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.total, job.done_count), ("queued", 7, 0))
        self.assertIn("0 of 7", refund.serial_job_progress)
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="serial_job_progress"', arch)
        self.assertFalse(refund.serial_can_generate)
        counts = self._counts()
        action = refund.action_generate_serial()
        self.assertEqual(self._counts(), counts)
        self.assertIn("background", action["params"]["message"])

        first = refund.serial_picking_ids
        self.Job._serial_runner_step()
        self.assertEqual(job.done_count, 3)
        self.assertIn("3 of 7", refund.serial_job_progress)
        self.assertEqual(len(refund.serial_lot_ids), 3)
        # each chunk validates its own part of the receipt, as a user who
        # validates part of a transfer: the rest waits on a backorder (#32)
        self.assertEqual(first.state, "done")
        self.assertEqual(len(first.move_line_ids), 3)
        backorder = refund.serial_picking_ids - first
        self.assertEqual(backorder.backorder_id, first)
        self.assertNotEqual(backorder.state, "done")
        self.assertTrue(backorder.serial_job_held)
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)

        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 7))
        self.assertFalse(refund.serial_job_progress)
        lots = refund.serial_lot_ids
        self.assertEqual(len(lots), 7)
        self.assertEqual(len(set(lots.mapped("name"))), 7)
        # three chunks of at most 3: three receipts, one result
        self.assertEqual(len(refund.serial_picking_ids), 3)
        self.assertEqual(set(refund.serial_picking_ids.mapped("state")), {"done"})
        self.assertEqual(job.transfer_ids, refund.serial_picking_ids)
        self.assertFalse(refund.serial_picking_ids.filtered("serial_job_held"))
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 7
        )
        self.assertEqual(lots.serial_job_ids, job)
        self.assertEqual(lots.mapped("serial_document_ref"), [refund] * 7)
        self.assertIn("background generation of 7", refund.message_ids[0].body)
        # the job no longer blocks Generate Serial #, but nothing is left (#16)
        self.assertFalse(refund._serial_running_jobs())
        self.assertFalse(refund.serial_can_generate)
        self.assertEqual(
            refund._serial_source_lines()._serial_quantities(refund), (7, 7)
        )
        # nothing runs twice
        counts = self._counts()
        self._run_runner()
        self.assertEqual(self._counts(), counts)

    def test_return_validated_after_the_last_chunk(self):
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.first_serial = "BG-001"
        form.save().action_generate()
        self.Job._serial_runner_step()
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(len(receipt.serial_lot_ids), 3)
        self.Job._serial_runner_step()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(
            sorted(receipt.serial_lot_ids.mapped("name")),
            [f"BG-00{i}" for i in range(1, 6)],
        )
        self.assertEqual(
            sum(
                self._quants(receipt.serial_lot_ids, self.out_location).mapped(
                    "quantity"
                )
            ),
            5,
        )

    def test_failed_chunk_is_reported_and_earlier_chunks_stay(self):
        receipt = self._create_return_receipt([(self.serial_product, 6)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.serial_list = "F-1;F-2;F-3;F-4;F-5;F-6"
        form.save().action_generate()
        self.Job._serial_runner_step()
        # meanwhile someone creates F-5 on Odoo's own screens
        self.env["stock.lot"].create(
            {
                "name": "F-5",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
            }
        )
        self._run_runner()
        job = receipt.serial_job_ids
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("F-5", job.error)
        self.assertIn("stopped after 3 of 6", receipt.serial_job_progress)
        self.assertIn("F-5", receipt.message_ids[0].body)
        self.assertEqual(
            sorted(receipt.serial_lot_ids.mapped("name")), ["F-1", "F-2", "F-3"]
        )
        lines = receipt.move_line_ids.filtered("lot_id")
        self.assertEqual(lines.lot_id, receipt.serial_lot_ids)
        self.assertEqual(receipt.state, "assigned")
        # once the rest is generated by hand, the banner goes
        self._generate(receipt)
        self.assertEqual(receipt.state, "done")
        self.assertFalse(receipt.serial_job_progress)

    def test_busy_chunk_is_retried_later(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        job = refund.serial_job_ids
        # a user's transaction holds the document past the runner's timeout
        busy = LockNotAvailable("canceling statement due to lock timeout")
        with patch.object(serial_generation_job, "lock_rows", side_effect=busy):
            self.Job._serial_runner_step()
        self.assertEqual((job.state, job.done_count), ("queued", 0))
        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 4))
        self.assertEqual(len(refund.serial_lot_ids), 4)

    def test_document_cancelled_meanwhile(self):
        refund = self._create_credit_note([(self.serial_product, 5)], post=False)
        self._generate(refund)
        self.Job._serial_runner_step()
        # no reversal while the job runs: its next chunks would come back
        self.assertNothingCreated(
            refund.action_reverse_serial_generation, message="background"
        )
        refund.serial_job_ids.action_cancel()
        refund.action_reverse_serial_generation()
        refund.button_cancel()
        self._run_runner()
        job = refund.serial_job_ids.filtered(lambda job: job.operation == "generate")
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("cancelled by", job.error)
        self.assertEqual(refund.state, "cancel")

    def test_typed_names_are_the_jobs_from_ok(self):
        """A queued job's typed First Serial # is the sequence's next number:
        a small generation made meanwhile skips those names, and one that
        types them is refused; the job creates all of them (#22)."""
        sequence = self.company.serial_sequence_id
        first, _last = self.env["stock.lot"]._serial_preview(sequence, 1)
        refund = self._create_credit_note([(self.serial_product, 4)])
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            line.first_serial = first
        form.save().action_generate()
        job = refund.serial_job_ids
        reserved = job.line_ids.names.split("\n")
        self.assertEqual(reserved[0], first)
        # meanwhile, a small generation from the sequence
        small = self._create_credit_note([(self.serial_product, 2)])
        self._generate(small)
        self.assertFalse(set(small.serial_lot_ids.mapped("name")) & set(reserved))
        # and one that types a reserved name
        typed = self._create_credit_note([(self.serial_product, 1)])
        form = self._wizard_form(typed)
        with form.line_ids.edit(0) as line:
            line.serial_list = reserved[2]
        wizard = form.save()
        self.assertNothingCreated(
            wizard.action_generate, error=ValidationError, message="reserved"
        )
        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 4))
        self.assertEqual(sorted(refund.serial_lot_ids.mapped("name")), reserved)

    def test_cancelled_return_keeps_no_serial_without_stock(self):
        """A return cancelled between chunks: the serials its first chunk
        generated never held stock, and are removed, as Odoo's own Generate
        Serials creates lots only at validation (#22)."""
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        self._generate(receipt)
        self.Job._serial_runner_step()
        generated = receipt.serial_lot_ids
        self.assertEqual(len(generated), 3)
        receipt.action_cancel()
        self._run_runner()
        job = receipt.serial_job_ids
        self.assertEqual(job.state, "failed")
        self.assertFalse(generated.exists())
        self.assertIn("removed", receipt.message_ids[0].body)

    def test_a_broken_job_does_not_stop_the_queue(self):
        first = self._create_credit_note([(self.serial_product, 4)], post=False)
        second = self._create_credit_note(
            [(self.lot_product, 1), (self.serial_product, 4)]
        )
        self._generate(first)
        self._generate(second)
        broken = first.serial_job_ids
        # a chunk that fails in an unforeseen way
        Job = self.env.registry["serial.generation.job"]
        original = Job._process_chunk

        def process(job):
            if job == broken:
                raise ValueError("unforeseen")
            return original(job)

        with patch.object(Job, "_process_chunk", process):
            self._run_runner()
        self.assertEqual((broken.state, broken.error), ("failed", "unforeseen"))
        self.assertEqual(second.serial_job_ids.state, "done")
        self.assertEqual(len(second.serial_lot_ids), 5)
        # a deleted document takes its job with it
        other = self._create_credit_note([(self.serial_product, 4)], post=False)
        self._generate(other)
        job = other.serial_job_ids
        other.unlink()
        self.assertFalse(job.exists())

    def test_jobs_cannot_be_forged_or_replayed(self):
        user = new_test_user(
            self.env,
            "storekeeper",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        refund = self._create_credit_note([(self.serial_product, 1)])
        vals = {
            "company_id": self.company.id,
            "user_id": self.env.ref("base.user_admin").id,
            "res_model": "account.move",
            "res_id": refund.id,
            "location_dest_id": self.stock_location.id,
            "line_ids": [
                Command.create(
                    {
                        "source_model": "account.move.line",
                        "source_id": refund.invoice_line_ids.id,
                        "product_id": self.serial_product.id,
                        "count": 3,
                        "lot_quantity": 50,
                    }
                )
            ],
        }
        Job = self.Job.with_user(user)
        self.assertNothingCreated(lambda: Job.create(vals), error=AccessError)
        # a job forged some other way is refused chunk by chunk
        job = self.Job.create(vals)
        counts = self._counts()
        self._run_runner()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(job.state, "failed")
        self.assertIn("one unit", job.error)
        job.line_ids.sudo().lot_quantity = 1
        self.assertNothingCreated(
            lambda: job.with_user(user).write({"state": "queued"}), error=AccessError
        )
        self.assertNothingCreated(
            lambda: job.line_ids.with_user(user).write({"done_count": 0}),
            error=AccessError,
        )
        job.sudo().state = "queued"
        self._run_runner()
        self.assertEqual(job.state, "failed")
        # quantities read in the unit, not as raw floats (#16)
        self.assertIn("only 1 of 1 Units", job.error)
        self.assertNothingCreated(
            lambda: job.with_user(user).action_cancel(), error=AccessError
        )


class TestBackgroundJobs(SerialGenCase):
    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 2
        self.Job = self.env["serial.generation.job"]

    def test_job_skips_names_typed_on_another_line(self):
        sequence = self.company.serial_sequence_id
        Lot = self.env["stock.lot"]
        first, _last = Lot._serial_preview(sequence, 1)
        _first, second = Lot._serial_preview(sequence, 2)
        refund = self._create_credit_note(
            [(self.serial_product, 3), (self.serial_product, 2)]
        )
        form = self._wizard_form(refund)
        with form.line_ids.edit(1) as line:
            line.serial_list = f"{first}\n{second}"
        form.save().action_generate()
        for _call in range(5):
            self.Job._serial_runner_step()
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.error), ("done", False))  # noqa
        names = refund.serial_lot_ids.mapped("name")
        self.assertEqual(len(set(names)), 5)
        self.assertIn(first, names)
