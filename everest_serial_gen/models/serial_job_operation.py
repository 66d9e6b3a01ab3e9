from odoo import api, models
from odoo.tools import formatLang


class SerialJobOperation(models.AbstractModel):
    """What a generation runs: one operation on serials (Generate Serial #,
    Reverse Serial Generation, and those other addons add), at once or
    chunk by chunk in the background.

    A generation (``serial.generation.job``) stores its operation's key, as
    queue_job stores the method to call, and asks it the same few methods,
    whatever it is: plan a job from what the user asked for, start it once
    it is recorded (open its transfers), run a chunk, and say how far it is,
    that it is done or why it stopped. An addon adds an operation by
    inheriting this model with a key of its own; the generation needs no
    change.

    One rule decides whether it runs in the background
    (``_serial_in_background``) and one builder records it
    (``_serial_prepare_job_vals``).
    """

    _name = "serial.job.operation"
    _description = "Operation on Serial Numbers"

    # The key generations store (serial.generation.job.operation).
    _serial_operation = None

    @api.model
    def _serial_operations(self):
        """{key: operation}: the operations of the installed addons."""
        names, todo = set(), [self._name]
        while todo:
            children = self.env.registry[todo.pop()]._inherit_children - names
            names |= children
            todo += children
        return {
            operation._serial_operation: operation
            for operation in (self.env[name] for name in sorted(names))
            if operation._serial_operation
        }

    # Recording a job -----------------------------------------------------------

    @api.model
    def _serial_in_background(self, company, count):
        """The one rule: more serials than the company's batch size run in
        the background, chunk by chunk; the others at once."""
        return count > max(company.serial_batch_size, 1)

    @api.model
    def _serial_background_note(self, company, count):
        """What a wizard says before OK when ``count`` serials run in the
        background (``_serial_in_background``), or False: the user learns
        before, not after, that the work goes on without them."""
        if not self._serial_in_background(company, count):
            return False
        return self.env._(
            "%(count)s serial numbers are more than the batch size of %(size)s: "
            "OK runs them in the background, in chunks of %(size)s, and the "
            "document shows the progress.",
            count=self._serial_count(count),
            size=self._serial_count(max(company.serial_batch_size, 1)),
        )

    @api.model
    def _serial_prepare_job_vals(self, document, vals, count, movable=True):
        """The values of a generation of this operation on ``document`` for
        ``count`` serials, with its own ``vals`` (its lines): queued for the
        background when ``movable`` and the rule says so."""
        background = movable and self._serial_in_background(document.company_id, count)
        return {
            "operation": self._serial_operation,
            "state": "queued" if background else "done",
            "company_id": document.company_id.id,
            "user_id": self.env.uid,
            "res_model": document._name,
            "res_id": document.id,
            # Sudo: the name a generation is listed and found by
            "document_name": document.sudo().display_name,
            **vals,
        }

    @api.model
    def _serial_plan(self, document, plan, **options):
        """Check what the user asked for on ``document`` (``plan``) and
        return ``(document, plan, job vals)``: the document as it is
        generated on, the plan as it runs, the generation's values."""
        raise NotImplementedError()

    def _serial_start(self, job, document, plan):
        """``job`` was just recorded: open what its chunks fill (its
        transfers) and say what it is about to do. Runs once, in the
        user's transaction."""
        return None

    # Running --------------------------------------------------------------------

    def _serial_run(self, job, document, plan):
        """Run all of ``job`` at once, with its ``plan``, in the user's
        transaction; returns ``(taken, lots)`` as ``_serial_run_chunk``."""
        return self._serial_run_chunk(job, document, job.total)

    def _serial_run_chunk(self, job, document, size):
        """Run the next ``size`` serials of ``job``; returns ``(taken,
        lots)``: how many each line of the job did ({job line: count}),
        and the serials it took (to link to the job)."""
        raise NotImplementedError()

    def _serial_job_done(self, job, document):
        """``job`` ran its last chunk in the background: say so on
        ``document``."""
        document._message_log(
            body=self.env._(
                "%(operation)s of %(count)s serial numbers is done in the "
                "background: %(transfers)s.",
                operation=job._operation_name(),
                count=self._serial_count(job.total),
                transfers=", ".join(job.transfer_ids.mapped("name")),
            ),
        )

    def _serial_job_stopped(self, job, document):
        """``job`` stopped before its end (an error, or cancelled): leave its
        transfers as they must stay; return what to tell ``document``'s
        chatter about them. By default they are closed with what moved."""
        return job._close_transfers()

    # What the user reads --------------------------------------------------------

    @api.model
    def _serial_count(self, count):
        """``count`` as the user's language writes numbers: "3,000" in
        English, "3.000" in German, as Odoo's own reports."""
        return formatLang(self.env, count, digits=0)

    def _serial_progress_text(self, job):
        return self.env._(
            "%(operation)s in the background: %(done)s of %(total)s serial "
            "numbers done.",
            operation=job._operation_name(),
            done=self._serial_count(job.done_count),
            total=self._serial_count(job.total),
        )

    def _serial_stopped_text(self, job):
        return self.env._(
            "%(operation)s in the background stopped after %(done)s of "
            "%(total)s serial numbers: %(error)s.",
            operation=job._operation_name(),
            done=self._serial_count(job.done_count),
            total=self._serial_count(job.total),
            error=job.error,
        )

    def _serial_stopped_banner(self, job, document):
        """Whether ``document`` keeps saying that ``job`` stopped: by
        default not, its chatter says it."""
        return False

    def _serial_queued_message(self, job):
        """What the notification after OK says of a queued job, under its
        title, the operation's name: not the name again."""
        return self.env._(
            "%(count)s serial numbers are moved in the background. "
            "%(document)s shows the progress.",
            count=self._serial_count(job.total),
            document=job.document_name,
        )
