import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import cron_progress
from ..tools.sql_tools import link_many2many, lock_rows

_logger = logging.getLogger(__name__)

# How long a chunk waits for a document a user's transaction holds: past it,
# the chunk is tried again later, and the runner goes on with other jobs.
JOB_LOCK_TIMEOUT = "5s"


class SerialGenerationJob(models.Model):
    """One Generate Serial #: what the user asked for on OK, and what came
    of it.

    Every OK leaves one: who, when, on which document, the serials it
    generates, attaches and retrieves, and the transfers that brought them
    in. One small enough runs at once, in the user's transaction. A larger
    one runs in the background, chunk by chunk, on Odoo's scheduled-action
    runner, which works across all workers and servers. A chunk creates its
    serials, brings them into stock and records its progress in the same
    transaction: either all of it commits or none, so a chunk is never done
    twice, and a failed chunk leaves the committed ones valid.
    """

    _name = "serial.generation.job"
    _description = "Serial Generation"
    _order = "id desc"
    _rec_name = "document_name"
    _check_company_auto = True

    operation = fields.Selection(
        selection="_operation_selection",
        default="generate",
        required=True,
        readonly=True,
        help="What the job runs: the key of its operation (serial.job.operation): "
        "Generate Serial #, Reverse Serial Generation, or one another addon "
        "adds.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", string="Requested By", required=True, readonly=True
    )
    # the document, whatever its model (serial.generate.mixin), as
    # mail.activity refers to its record; its name, for lists and searches
    res_model = fields.Char(
        string="Document Model", required=True, readonly=True, index=True
    )
    res_id = fields.Many2oneReference(
        string="Document ID",
        model_field="res_model",
        required=True,
        readonly=True,
        index=True,
    )
    document_name = fields.Char(string="Document", readonly=True)
    location_dest_id = fields.Many2one(
        "stock.location",
        string="Destination Location",
        required=True,
        readonly=True,
        check_company=True,
    )
    validate_transfer = fields.Boolean(
        string="Validate Transfers",
        readonly=True,
        help="Whether the job validates the transfers it fills.",
    )
    runner = fields.Selection(
        [("cron", "Scheduled Action")],
        default="cron",
        required=True,
        readonly=True,
        help="What runs the job's chunks in the background: Odoo's scheduled "
        "action, or a runner another addon adds (the job queue).",
    )
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    line_ids = fields.One2many("serial.generation.job.line", "job_id", readonly=True)
    lot_ids = fields.Many2many(
        "stock.lot",
        "serial_generation_job_lot_rel",
        "job_id",
        "lot_id",
        string="Serial Numbers",
        readonly=True,
        check_company=True,
        help="The serial numbers this generation created, attached or retrieved.",
    )
    transfer_ids = fields.Many2many(
        "stock.picking",
        string="Transfers",
        compute="_compute_transfer_ids",
        help="The transfers that bring the serials in.",
    )
    total = fields.Integer(
        compute="_compute_progress",
        store=True,
        help="How many serials or lots the job creates or takes.",
    )
    done_count = fields.Integer(
        string="Done",
        compute="_compute_progress",
        store=True,
        help="How many of them are done.",
    )
    error = fields.Text(readonly=True)
    note = fields.Text(
        readonly=True,
        help="What the operation said it left as it was, or let go of.",
    )

    @api.depends("line_ids.count", "line_ids.done_count")
    def _compute_progress(self):
        for job in self:
            job.total = sum(job.line_ids.mapped("count"))
            job.done_count = sum(job.line_ids.mapped("done_count"))

    @api.depends("line_ids.move_id.picking_id")
    def _compute_transfer_ids(self):
        """The transfers of the job's moves, and the ones they are
        backorders of: each chunk in the background validates its part of
        the transfer and leaves the rest on a backorder."""
        for job in self:
            transfers = todo = job.line_ids.move_id.picking_id
            while todo := todo.backorder_id - transfers:
                transfers |= todo
            job.transfer_ids = transfers

    @api.model
    def _operation_selection(self):
        return [
            (key, operation._description)
            for key, operation in self.env["serial.job.operation"]
            ._serial_operations()
            .items()
        ]

    def _operation(self):
        """The operation this job runs (``serial.job.operation``)."""
        self.ensure_one()
        return self.env["serial.job.operation"]._serial_operations()[self.operation]

    def _operation_name(self):
        self.ensure_one()
        return dict(self._fields["operation"]._description_selection(self.env))[
            self.operation
        ]

    def _notification_action(self):
        """Tell the user the job runs in the background."""
        self.ensure_one()
        return self.env["serial.generate.mixin"]._serial_notification(
            self._operation_name(),
            self._operation()._serial_queued_message(self),
            kind="info",
            next={"type": "ir.actions.act_window_close"},
        )

    def _document(self):
        """The document of the generation, or None once it was deleted."""
        self.ensure_one()
        documents = {
            m._name for m in self.env["serial.generate.mixin"]._serial_document_models()
        }
        if self.res_model not in documents:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    def _serial_verb(self, lot):
        """How this generation took ``lot``, as the serial's Origin says it."""
        self.ensure_one()
        by_kind = self.line_ids.grouped("kind")
        retrieve = by_kind.get("retrieve", self.line_ids.browse())
        if lot in retrieve.retrieved_line_ids.lot_id:
            document = self._document()
            # Sudo: the serials a document holds, whoever reads the serial
            if document and lot not in document.sudo().serial_lot_ids:
                # a reversal of the document let it go (_serial_release_retrieved)
                return self.env._("Retrieved, then released by")
            return self.env._("Retrieved by")
        if lot in by_kind.get("attach", self.line_ids.browse()).attach_lot_ids:
            return self.env._("Attached by")
        return self.env._("Generated on")

    def action_open_document(self):
        self.ensure_one()
        document = self._document()
        if not document:
            raise UserError(self.env._("The document of this generation was deleted."))
        document.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
        }

    # Submitting and running -----------------------------------------------------

    @api.model
    def _serial_submit(self, operation, document, plan, **options):
        """Run ``operation`` (a ``serial.job.operation``) on ``document`` for
        what the user asked (``plan``): checked by the operation, recorded
        here, started (its transfers opened), then run at once in the user's
        transaction, or left to the background runner. Returns the job.

        Every request goes down this way, wizard or action to this
        executor, to the operation, to Odoo; the operation never calls the
        job back."""
        document, plan, vals = operation._serial_plan(document, plan, **options)
        # Sudo: users read generations but may not write them, so that nobody
        # can forge or replay one over RPC; this one holds the checked plan.
        job = self.sudo().create(vals).sudo(False)
        operation._serial_start(job, document, plan)
        if job.state == "queued":
            job._enqueue()
        else:
            job._record_progress(*operation._serial_run(job, document, plan))
            job._release()
        return job

    def _enqueue(self):
        """Leave the job to the background runner: Odoo's scheduled action,
        which runs it chunk by chunk across workers and servers."""
        # Sudo: users trigger the runner, they do not manage scheduled actions.
        self.env.ref("everest_serial_gen.serial_generation_job_cron").sudo()._trigger()

    @api.model
    def _cron_process(self):
        """Process one chunk of the oldest queued generation that is not
        busy, then tell the runner how many are left, so that it calls again
        at once.

        A generation whose products or document another transaction holds
        is tried again in a minute, and the next one runs meanwhile.
        """
        busy = []
        while job := self._lock_next(exclude=busy):
            if job._run_locked_chunk():
                break
            busy.append(job.id)
        if busy:
            self.env.ref("everest_serial_gen.serial_generation_job_cron")._trigger(
                fields.Datetime.add(fields.Datetime.now(), minutes=1)
            )
        queued = self.search(
            [("state", "=", "queued"), ("runner", "=", "cron"), ("id", "not in", busy)]
        )
        cron_progress(
            self.env, 1, remaining=sum(queued._chunks_left() for queued in queued)
        )

    @api.model
    def _serial_runner_step(self):
        """One step of the background runner, in this transaction: the
        scheduled action's (one chunk of the oldest queued generation). An
        addon that adds a runner (the job queue) takes its own step first.
        Tests drive the background with it, whatever runs it."""
        return self._cron_process()

    @api.model
    def _lock_next(self, exclude=()):
        """The oldest queued generation of the scheduled action that no
        other runner is processing, locked (``_lock``)."""
        self.flush_model(["state", "runner"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM serial_generation_job
                    WHERE state = 'queued' AND runner = 'cron' AND id != ALL(%s)
                    ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED""",
                list(exclude),
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _lock(self):
        """Lock this job's row until the transaction ends, unless another
        transaction holds it: a chunk runs with its job locked, so that two
        chunks of one job never run at once, whoever runs them (several
        workers, several servers, two runners). Returns whether it is ours."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM serial_generation_job WHERE id = %s
                    FOR NO KEY UPDATE SKIP LOCKED""",
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _run_locked_chunk(self):
        """Run the next chunk of this job, locked by the caller (``_lock``),
        in a savepoint: a failed chunk is rolled back whole. Returns False
        when its document or products are busy (another transaction holds
        them: a user's, through a lock timeout, or a concurrent update), to
        try again later; any other error stops the job and says why on its
        document, so that the queue goes on with the next ones."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._process_chunk()
        except OperationalError:
            _logger.info("Serial generation %s: busy, retrying later", self.id)
            return False
        except Exception as error:  # noqa: BLE001  pylint: disable=broad-except
            _logger.warning("Serial generation %s failed", self.id, exc_info=True)
            self._fail(str(error))
        return True

    def _chunks_left(self):
        size = max(self.company_id.serial_batch_size, 1)
        return -(-(self.total - self.done_count) // size)

    def _as_requester(self):
        """This job, as the user who asked for it, in its company.
        ``serial_job_running``: the transfers the job fills are its own
        while it runs (stock.picking._serial_check_not_in_job)."""
        self.ensure_one()
        return (
            self.with_user(self.user_id)
            .with_company(self.company_id)
            .with_context(
                allowed_company_ids=[self.company_id.id], serial_job_running=True
            )
        )

    def _process_chunk(self):
        """Run the next chunk of the job, as the user who asked for it."""
        self.ensure_one()
        job = self._as_requester()
        document = job._document()
        if not document:
            raise UserError(self.env._("Its document was deleted."))
        # one chunk at a time per document, whatever job and runner run it:
        # a user's transaction on it makes the chunk wait, then try later
        lock_rows(document, timeout=JOB_LOCK_TIMEOUT)
        operation = job._operation()
        size = max(self.company_id.serial_batch_size, 1)
        self._record_progress(*operation._serial_run_chunk(job, document, size))
        if self.done_count >= self.total:
            self.state = "done"
            self._release()
            operation._serial_job_done(job, document)
        self._notify_progress()

    def _notify_progress(self):
        """Tell the web client of the user who asked for the job that it
        went on, once this transaction commits: the document's banner
        (widget serial_job_progress) reloads the document, so that its
        progress shows without a reload."""
        for job in self:
            job.user_id._bus_send(
                "everest_serial_gen.job_progress",
                {"res_model": job.res_model, "res_id": job.res_id, "job_id": job.id},
            )

    def _record_progress(self, taken, lots):
        # Sudo: users read generations, only the addon writes them.
        for line, count in taken.items():
            line.sudo().done_count += count
        link_many2many(self.sudo(), "lot_ids", lots.ids)

    def _release(self):
        """The job ended: the transfers it held are their users' again."""
        # Sudo: only the addon marks a transfer as its job's
        self.sudo().transfer_ids.filtered("serial_job_held").serial_job_held = False

    def action_cancel(self):
        """Stop queued generations; what earlier chunks generated stays."""
        self.env["res.company"]._serial_check_configurator()
        for job in self.filtered(lambda job: job.state == "queued"):
            job._fail(self.env._("cancelled by %(user)s", user=self.env.user.name))

    def _fail(self, error):
        """Stop the job, say why on its document, and leave its transfers
        as its operation says they must stay."""
        self.ensure_one()
        self.sudo().write({"state": "failed", "error": error})
        self._release()
        self._notify_progress()
        document = self._document()
        note = self._operation()._serial_job_stopped(self, document)
        if not document:
            return
        body = self._stopped_text()
        if note:
            body += " " + note
        document._message_log(body=body)

    def _progress_text(self):
        """How far the job is, for the document's banner."""
        self.ensure_one()
        return self._operation()._serial_progress_text(self)

    def _stopped_text(self):
        """Why and where the job stopped, for the chatter and the banner."""
        self.ensure_one()
        return self._operation()._serial_stopped_text(self)

    def _close_transfers(self):
        """Validate what the job's open transfers moved and cancel the rest,
        as Odoo's validation without backorder does; return what became of
        them, for the chatter."""
        # Sudo: the runner ends its own transfers, whoever stops it.
        transfers = self.sudo().transfer_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        return " ".join(transfers.with_env(self.env)._serial_close()) or None
