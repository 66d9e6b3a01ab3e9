"""The background chunks on OCA's job queue (#32): one job per chunk on the
channel root.serial, the next queued when one ends, retries as queue_job's,
never two chunks of one generation at once."""

from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import LockNotAvailable

from odoo import fields
from odoo.tests import tagged

from odoo.addons.everest_serial_gen.models import serial_generation_job
from odoo.addons.everest_serial_gen.tests.common import SerialGenCase
from odoo.addons.queue_job.exception import RetryableJobError

BUSY = LockNotAvailable("canceling statement due to lock timeout")


@tagged("post_install", "-at_install")
class TestQueue(SerialGenCase):
    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 3
        self.Job = self.env["serial.generation.job"]
        self.cron = self.env.ref("everest_serial_gen.serial_generation_job_cron")

    def _chunk_jobs(self, generation):
        return (
            self.env["queue.job"]
            .search(
                [
                    ("model_name", "=", "serial.generation.job"),
                    ("method_name", "=", "_serial_queue_chunk"),
                ]
            )
            .filtered(lambda job: job.records == generation)
            .sorted("id")
        )

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )

    def test_each_chunk_is_a_job_of_the_queue(self):
        refund = self._create_credit_note([(self.serial_product, 7)])
        triggers = self._triggers()
        _wizard, action = self._generate(refund)
        self.assertIn("background", action["params"]["message"])
        generation = refund.serial_job_ids
        self.assertEqual((generation.runner, generation.state), ("queue_job", "queued"))
        # one job, on the serial channel, and the scheduled action is not told
        job = self._chunk_jobs(generation)
        self.assertEqual(len(job), 1)
        self.assertEqual(
            (job.state, job.channel, job.args), ("pending", "root.serial", [0])
        )
        self.assertEqual(generation.queue_job_id, job)
        self.assertEqual(self._triggers(), triggers)
        # the scheduled action leaves it to the queue
        self._run_cron(self.cron)
        self.assertEqual(generation.done_count, 0)
        # each chunk queues the next one when it ends
        for done in (3, 6, 7):
            self.Job._serial_runner_step()
            self.assertEqual(generation.done_count, done)
            if done < 7:
                self.assertEqual(generation.queue_job_id.args, [done])
                self.assertIn(f"{done} of 7", refund.serial_job_progress)
        jobs = self._chunk_jobs(generation)
        self.assertEqual(jobs.mapped("args"), [[0], [3], [6]])
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertEqual(jobs[-1].result, "Done")
        # what the document shows is the core's, whatever runs the chunks
        self.assertEqual(generation.state, "done")
        self.assertEqual(len(refund.serial_lot_ids), 7)
        self.assertEqual(set(refund.serial_picking_ids.mapped("state")), {"done"})
        self.assertFalse(refund.serial_job_progress)
        self.assertIn("background generation of 7", refund.message_ids[0].body)

    def test_reverse_runs_on_the_queue_too(self):
        self.company.serial_batch_size = 10
        refund = self._create_credit_note([(self.serial_product, 5)])
        self._generate(refund)
        lots = refund.serial_lot_ids
        self.company.serial_batch_size = 2
        refund.action_reverse_serial_generation()
        reversal = refund.serial_job_ids.filtered(
            lambda job: job.operation == "reverse"
        )
        self.assertEqual((reversal.runner, reversal.state), ("queue_job", "queued"))
        for _chunk in range(3):
            self.Job._serial_runner_step()
        self.assertEqual((reversal.state, reversal.done_count), ("done", 5))
        self.assertEqual(len(self._chunk_jobs(reversal)), 3)
        self.assertFalse(
            self.env["stock.quant"]
            .search(
                [("lot_id", "in", lots.ids), ("location_id.usage", "=", "internal")]
            )
            .filtered("quantity")
        )

    def test_a_busy_document_is_retried_as_the_queue_retries(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        generation = refund.serial_job_ids
        job = self._chunk_jobs(generation)
        # a user's transaction holds the document past the chunk's timeout
        with patch.object(serial_generation_job, "lock_rows", side_effect=BUSY):
            self.Job._serial_runner_step()
        self.assertEqual((generation.state, generation.done_count), ("queued", 0))
        self.assertEqual((job.state, job.retry), ("pending", 1))
        self.assertIn("busy", job.result)
        self.assertGreater(job.eta, fields.Datetime.now())
        # free again: the same job runs the chunk
        self.Job._serial_runner_step()
        self.assertEqual(generation.done_count, 3)
        self.assertEqual(job.state, "done")

    def test_when_the_retries_run_out_the_generation_says_why(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        generation = refund.serial_job_ids
        job = self._chunk_jobs(generation)
        job.max_retries = 2
        with patch.object(serial_generation_job, "lock_rows", side_effect=BUSY):
            self.Job._serial_runner_step()
            self.assertEqual(generation.state, "queued")
            self.Job._serial_runner_step()
        self.assertEqual((generation.state, generation.done_count), ("failed", 0))
        self.assertIn("stayed busy", generation.error)
        self.assertIn("stayed busy", refund.message_ids[0].body)
        self.assertEqual(job.state, "done")
        self.assertEqual(len(self._chunk_jobs(generation)), 1)

    def test_a_step_done_already_does_nothing(self):
        """A chunk job queued twice for one step (an operator's requeue):
        the second does nothing and queues nothing."""
        refund = self._create_credit_note([(self.serial_product, 7)])
        self._generate(refund)
        generation = refund.serial_job_ids
        self.Job._serial_runner_step()
        self.assertEqual(generation.done_count, 3)
        counts = self._counts()
        jobs = self._chunk_jobs(generation)
        result = generation.sudo()._serial_queue_chunk(0)
        self.assertIn("Nothing to do", result)
        self.assertEqual(generation.done_count, 3)
        self.assertEqual(self._counts(), counts)
        self.assertEqual(self._chunk_jobs(generation), jobs)

    def test_a_cancelled_generation_stops_its_chunks(self):
        refund = self._create_credit_note([(self.serial_product, 7)])
        self._generate(refund)
        generation = refund.serial_job_ids
        self.Job._serial_runner_step()
        generation.action_cancel()
        self.assertEqual(generation.state, "failed")
        self.Job._serial_runner_step()
        self.assertEqual(generation.done_count, 3)
        self.assertIn("Nothing to do", self._chunk_jobs(generation)[-1].result)
        self.assertEqual(len(refund.serial_lot_ids), 3)

    def test_a_chunk_found_dead_is_queued_again(self):
        """Its worker was killed: the job says started, nobody holds the
        generation; after a minute it is queued again, and runs."""
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        generation = refund.serial_job_ids
        job = self._chunk_jobs(generation)
        job.write(
            {
                "state": "started",
                "date_started": fields.Datetime.now() - timedelta(seconds=20),
            }
        )
        self.Job._cron_requeue_dead_chunks()
        self.assertEqual(job.state, "started", "it may still be starting")
        job.date_started = fields.Datetime.now() - timedelta(minutes=2)
        self.Job._cron_requeue_dead_chunks()
        self.assertEqual(job.state, "pending")
        self.Job._serial_runner_step()
        self.Job._serial_runner_step()
        self.assertEqual((generation.state, generation.done_count), ("done", 4))

    def test_a_running_chunk_is_not_run_twice(self):
        """Another worker holds the generation (it runs a chunk of it): the
        job is tried again later, without counting a retry."""
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        generation = refund.serial_job_ids
        with (
            patch.object(type(self.Job), "_lock", return_value=False),
            self.assertRaises(RetryableJobError) as caught,
        ):
            generation.sudo()._serial_queue_chunk(0)
        self.assertTrue(caught.exception.ignore_retry)
        self.assertEqual(generation.done_count, 0)

    def test_generations_queued_before_stay_with_the_scheduled_action(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        generation = refund.serial_job_ids
        # as one queued before this addon was installed
        self._chunk_jobs(generation).unlink()
        generation.runner = "cron"
        self._run_cron(self.cron)
        self._run_cron(self.cron)
        self.assertEqual((generation.state, generation.done_count), ("done", 4))
