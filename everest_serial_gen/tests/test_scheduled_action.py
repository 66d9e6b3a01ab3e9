"""The embedded runner: Odoo's scheduled action runs the background
chunks when no other runner (everest_serial_gen_queue's job queue) does."""

from .common import SerialGenCase


class TestScheduledAction(SerialGenCase):
    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 3
        self.cron = self.env.ref("everest_serial_gen.serial_generation_job_cron")

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )

    def test_ok_triggers_the_scheduled_action_which_runs_the_chunks(self):
        refund = self._create_credit_note([(self.serial_product, 7)])
        triggers = self._triggers()
        self._generate(refund)
        job = refund.serial_job_ids
        self.assertEqual((job.runner, job.state), ("cron", "queued"))
        # the scheduled action is told at once, not at its next interval
        self.assertEqual(self._triggers(), triggers + 1)
        for done in (3, 6, 7):
            self._run_cron(self.cron)
            self.assertEqual(job.done_count, done)
        self.assertEqual(job.state, "done")
        self.assertEqual(len(refund.serial_lot_ids), 7)

    def test_a_job_of_another_runner_is_left_to_it(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        job = refund.serial_job_ids
        # as another runner would mark the generations it runs
        self.env.cr.execute(
            "UPDATE serial_generation_job SET runner = 'other' WHERE id = %s",
            [job.id],
        )
        job.invalidate_recordset(["runner"])
        self._run_cron(self.cron)
        self.assertEqual((job.state, job.done_count), ("queued", 0))
