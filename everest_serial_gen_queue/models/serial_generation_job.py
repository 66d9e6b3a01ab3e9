import logging

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

_logger = logging.getLogger(__name__)

# A chunk job found started this long ago while nobody holds its generation
# (a chunk holds it while it runs: serial.generation.job._lock) died with its
# worker: it is queued again.
DEAD_AFTER_MINUTES = 1


class SerialGenerationJob(models.Model):
    """Background generations run on OCA's job queue.

    Each chunk of a generation in the background (whatever its operation:
    Generate Serial #, Reverse, Send to Vendor, ...) is a job of the queue,
    on the channel ``root.serial`` (its job function's, which operators may
    change, as its retries); the chunk queues the next one when it ends, in
    its own transaction, so that a chunk is queued once it is done and never
    before. The job queue's runner spreads the chunks of different
    generations over the workers of every server, within the channel's
    capacity; two chunks of one generation never run at once: a chunk runs
    with its generation locked (``_lock``), and a chunk job queued for a
    step already done does nothing.

    What a chunk does, and what the document and the generation show of
    it, is the core's (``_run_locked_chunk``): only what runs it differs
    from the scheduled action, which keeps the generations queued before
    this addon was installed.
    """

    _inherit = "serial.generation.job"

    runner = fields.Selection(
        selection_add=[("queue_job", "Job Queue")],
        ondelete={"queue_job": "set default"},
    )
    queue_job_uuid = fields.Char(
        string="Job UUID",
        readonly=True,
        copy=False,
        index=True,
        help="The job of the job queue that runs the generation's next chunk.",
    )
    queue_job_id = fields.Many2one(
        "queue.job",
        string="Queued Job",
        compute="_compute_queue_job_id",
        help="The job of the job queue that runs (or ran) the generation's "
        "next chunk.",
    )

    @api.depends("queue_job_uuid")
    def _compute_queue_job_id(self):
        # Sudo: users see their generation's job; the job queue's records
        # are its managers'
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("uuid", "in", self.mapped("queue_job_uuid"))])
        )
        by_uuid = {job.uuid: job for job in jobs}
        for generation in self:
            generation.queue_job_id = by_uuid.get(generation.queue_job_uuid)

    def _enqueue(self):
        """Queue the next chunk of each generation on the job queue, in this
        transaction: it exists once the transaction commits, and not
        before."""
        for generation in self:
            step = generation.done_count
            # Sudo: users queue their own generation's chunks, as they trigger
            # the scheduled action; the queue's jobs are its managers' records
            job = (
                generation.sudo()
                .with_delay(
                    description=self.env._(
                        "%(operation)s: %(document)s, from %(done)s of %(total)s",
                        operation=generation._operation_name(),
                        document=generation.document_name,
                        done=step,
                        total=generation.total,
                    ),
                    identity_key=f"serial.generation.job:{generation.id}:{step}",
                )
                ._serial_queue_chunk(step)
            )
            generation.sudo().write(
                {"runner": "queue_job", "queue_job_uuid": job and job.uuid}
            )

    def _serial_queue_chunk(self, step):
        """Run the chunk of this generation that starts after ``step``
        serials, as a job of the job queue, and queue the next one.

        A busy document (a user's transaction holds it) is tried again as
        the job queue retries; when its retries run out, the generation
        stops and says why, as any error does (the core's
        ``_run_locked_chunk``). Returns what the job queue shows of it."""
        self.ensure_one()
        if not self._lock():
            # another worker runs a chunk of it: queue_job requeued this one
            raise RetryableJobError(
                self.env._("Another chunk of this generation is running."),
                seconds=10,
                ignore_retry=True,
            )
        if self.state != "queued" or self.done_count != step:
            # cancelled, stopped, or this step is done (a job queued twice)
            return self.env._("Nothing to do: %(progress)s", progress=self._status())
        if not self._run_locked_chunk():
            if not self._serial_last_try():
                raise RetryableJobError(
                    self.env._(
                        "%(document)s is busy: this chunk is tried again later.",
                        document=self.document_name,
                    )
                )
            self._fail(
                self.env._(
                    "%(document)s stayed busy: another user kept it open.",
                    document=self.document_name,
                )
            )
        if self.state == "queued":
            self._enqueue()
        return self._status()

    def _status(self):
        """What the generation shows of itself: its progress while queued,
        else its state."""
        if self.state == "queued":
            return self._progress_text()
        if self.state == "failed":
            return self._stopped_text()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _serial_last_try(self):
        """Whether the job queue gives up on the running job if it fails
        again (its retries run out)."""
        uuid = self.env.context.get("job_uuid")
        if not uuid:
            return True
        # Sudo: the job queue's records are its managers'
        job = self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        return bool(job.max_retries) and job.retry + 1 >= job.max_retries

    @api.model
    def _cron_requeue_dead_chunks(self):
        """Queue again the chunk jobs whose worker died (a server killed, a
        worker past its time limit) while they ran: their generation is
        queued, the job says started, and nobody holds the generation. The
        job queue's runner does it itself from queue_job 19.0's job locks
        on; this does it on every version, for this addon's jobs."""
        generations = self.search(
            [("state", "=", "queued"), ("runner", "=", "queue_job")]
        )
        deadline = fields.Datetime.subtract(
            fields.Datetime.now(), minutes=DEAD_AFTER_MINUTES
        )
        for generation in generations:
            job = generation.queue_job_id
            if (
                job.state == "started"
                and job.date_started
                and job.date_started < deadline
                and generation._lock()
            ):
                _logger.warning(
                    "Serial generation %s: chunk job %s found dead, requeued",
                    generation.id,
                    job.uuid,
                )
                # as queue_job's own requeue of a dead job (its runner's from
                # 19.0 on), which its button Requeue refuses for started jobs
                job._change_job_state(
                    "pending",
                    result=self.env._("Found dead while it ran: queued again."),
                )

    @api.model
    def _serial_runner_step(self):
        """One step of the runner in this transaction: the oldest chunk job
        the job queue would start, run as its runner runs it (queue_job's
        controller, without its commits); else the scheduled action's."""
        # Sudo: the job queue's records are its managers'
        pending = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "=", "_serial_queue_chunk"),
                    ("state", "=", "pending"),
                ],
                order="id",
                limit=1,
            )
        )
        if not pending:
            return super()._serial_runner_step()
        job = Job.load(self.env, pending.uuid)
        job.set_started()
        job.store()
        try:
            with self.env.cr.savepoint():
                job.perform()
        except RetryableJobError as error:
            job.postpone(result=str(error), seconds=error.seconds)
            job.set_pending(reset_retry=False)
        else:
            job.set_done()
        job.store()
        return job
