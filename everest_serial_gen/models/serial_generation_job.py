import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..compat import cron_progress
from ..tools.sql_tools import link_many2many

_logger = logging.getLogger(__name__)


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
        [
            ("generate", "Generate Serial #"),
            ("reverse", "Reverse Serial Generation"),
        ],
        default="generate",
        required=True,
        readonly=True,
        help="What the job does: generate serials, or move known ones in the "
        "background (serial.chunked.transfer).",
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
        "stock.location", required=True, readonly=True, check_company=True
    )
    validate_transfer = fields.Boolean(readonly=True)
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
    total = fields.Integer(compute="_compute_progress", store=True)
    done_count = fields.Integer(compute="_compute_progress", store=True)
    error = fields.Text(readonly=True)

    @api.depends("line_ids.count", "line_ids.done_count")
    def _compute_progress(self):
        for job in self:
            job.total = sum(job.line_ids.mapped("count"))
            job.done_count = sum(job.line_ids.mapped("done_count"))

    @api.depends("line_ids.move_id")
    def _compute_transfer_ids(self):
        for job in self:
            job.transfer_ids = job.line_ids.move_id.picking_id

    def _operation_name(self):
        self.ensure_one()
        return dict(self._fields["operation"]._description_selection(self.env))[
            self.operation
        ]

    def _notification_action(self):
        """Tell the user the job runs in the background."""
        self.ensure_one()
        if self.operation == "generate":
            message = self.env._(
                "%(count)s serial numbers are being generated in the "
                "background. The document shows the progress.",
                count=self.total,
            )
        else:
            message = self.env._(
                "%(operation)s: %(count)s serial numbers are moved in the "
                "background. %(document)s shows the progress.",
                operation=self._operation_name(),
                count=self.total,
                document=self.document_name,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self._operation_name(),
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

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

    # Running ------------------------------------------------------------------

    def _run_now(self, document):
        """Run the whole generation at once, in the user's transaction; the
        generator checked it already."""
        self.ensure_one()
        lines, taken = self.line_ids._next_chunk(self.total)
        lots = self.env["serial.generator"]._generate(
            document, lines, self.location_dest_id, self.validate_transfer
        )
        self._record_progress(taken, lots)
        return lots

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
            try:
                with self.env.cr.savepoint():
                    job._process_chunk()
            except OperationalError:
                # its document is held by a user's transaction (lock_rows
                # with a timeout) or a concurrent update: the chunk is
                # rolled back whole
                _logger.info("Serial generation %s: busy, retrying later", job.id)
                busy.append(job.id)
                continue
            except Exception as error:  # noqa: BLE001  pylint: disable=broad-except
                # the chunk is rolled back whole; stop the job and say why, so
                # that the queue goes on with the next ones
                _logger.warning("Serial generation %s failed", job.id, exc_info=True)
                job._fail(str(error))
            break
        if busy:
            self.env.ref("everest_serial_gen.serial_generation_job_cron")._trigger(
                fields.Datetime.add(fields.Datetime.now(), minutes=1)
            )
        queued = self.search([("state", "=", "queued"), ("id", "not in", busy)])
        cron_progress(
            self.env, 1, remaining=sum(queued._chunks_left() for queued in queued)
        )

    @api.model
    def _lock_next(self, exclude=()):
        """The oldest queued generation that no other runner is processing."""
        self.flush_model(["state"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM serial_generation_job
                    WHERE state = 'queued' AND id != ALL(%s)
                    ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED""",
                list(exclude),
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _chunks_left(self):
        size = max(self.company_id.serial_batch_size, 1)
        return -(-(self.total - self.done_count) // size)

    def _process_chunk(self):
        """Generate the next chunk as the user who asked for it."""
        self.ensure_one()
        job = self.with_user(self.user_id).with_company(self.company_id)
        # serial_job_running: the transfers the job fills are its own while
        # it runs (stock.picking._serial_check_not_in_job)
        job = job.with_context(
            allowed_company_ids=[self.company_id.id], serial_job_running=True
        )
        document = job._document()
        if not document:
            raise UserError(self.env._("Its document was deleted."))
        size = max(self.company_id.serial_batch_size, 1)
        if self.operation != "generate":
            taken = job.env["serial.chunked.transfer"].run_chunk(job, size)
            self._record_progress(taken, job.env["stock.lot"])
            if self.done_count >= self.total:
                self.state = "done"
                self.env["serial.chunked.transfer"].release(self)
                job._on_done(document)
            return
        lines, taken = job.line_ids._next_chunk(size)
        last = job.done_count + sum(taken.values()) >= job.total
        lots = job.env["serial.generator"].generate(
            document,
            lines,
            job.location_dest_id,
            validate=job.validate_transfer and last,
            running_job=job,
        )
        self._record_progress(taken, lots)
        if last:
            self.state = "done"
            document._message_log(
                body=self.env._(
                    "The background generation of %(count)s serial numbers is done.",
                    count=self.total,
                ),
            )

    def _on_done(self, document):
        """Say on the document that the background operation ended."""
        self.ensure_one()
        document._message_log(
            body=self.env._(
                "%(operation)s of %(count)s serial numbers is done in the "
                "background: %(transfers)s.",
                operation=self._operation_name(),
                count=self.total,
                transfers=", ".join(self.transfer_ids.mapped("name")),
            ),
        )

    def _record_progress(self, taken, lots):
        # Sudo: users read generations, only the addon writes them.
        for line, count in taken.items():
            line.sudo().done_count += count
        link_many2many(self.sudo(), "lot_ids", lots.ids)

    def action_cancel(self):
        """Stop queued generations; what earlier chunks generated stays."""
        self.env["res.company"]._serial_check_configurator()
        for job in self.filtered(lambda job: job.state == "queued"):
            job._fail(self.env._("cancelled by %(user)s", user=self.env.user.name))

    def _fail(self, error):
        self.ensure_one()
        self.sudo().write({"state": "failed", "error": error})
        document = self._document()
        if not document:
            if self.operation != "generate":
                self.env["serial.chunked.transfer"].release(self)
            return
        body = self._stopped_text()
        if self.operation == "generate":
            note = document._serial_job_stopped(self)
        else:
            self.env["serial.chunked.transfer"].release(self)
            note = self.env["serial.receipt"].close(self)
        if note:
            body += " " + note
        document._message_log(body=body)

    def _progress_text(self):
        """How far the job is, for the document's banner."""
        self.ensure_one()
        if self.operation == "generate":
            return self.env._(
                "Generating serial numbers in the background: %(done)s of "
                "%(total)s done.",
                done=self.done_count,
                total=self.total,
            )
        return self.env._(
            "%(operation)s in the background: %(done)s of %(total)s serial "
            "numbers done.",
            operation=self._operation_name(),
            done=self.done_count,
            total=self.total,
        )

    def _stopped_text(self):
        """Why and where the job stopped, for the chatter and the banner."""
        self.ensure_one()
        if self.operation == "generate":
            return self.env._(
                "The background generation of serial numbers stopped after "
                "%(done)s of %(total)s: %(error)s",
                done=self.done_count,
                total=self.total,
                error=self.error,
            )
        return self.env._(
            "%(operation)s in the background stopped after %(done)s of "
            "%(total)s serial numbers: %(error)s.",
            operation=self._operation_name(),
            done=self.done_count,
            total=self.total,
            error=self.error,
        )

    def _close_receipt(self, receipt):
        """Validate what the receipt brought in and cancel the rest, as
        Odoo's validation without backorder does; say what became of it."""
        if not receipt.move_ids.filtered(lambda move: move.state == "done"):
            # nothing came in with it: Odoo's validation would refuse it
            receipt.action_cancel()
            return self.env._(
                "%(receipt)s is cancelled: nothing came in with it.",
                receipt=receipt.display_name,
            )
        try:
            with self.env.cr.savepoint():
                # Sudo: the runner ends its own receipt, whoever stops it.
                receipt.with_company(receipt.company_id).with_context(
                    cancel_backorder=True
                )._action_done()
                receipt._serial_check_done()
        except (UserError, ValidationError) as error:
            _logger.warning("Receipt %s not closed", receipt.id, exc_info=True)
            return self.env._(
                "%(receipt)s stays open: %(error)s",
                receipt=receipt.display_name,
                error=error,
            )
        if self.operation != "generate":
            return self.env._(
                "%(transfer)s is done with what it moved; the rest of it is "
                "cancelled.",
                transfer=receipt.display_name,
            )
        return self.env._(
            "%(receipt)s is done with what was received; the rest of it is "
            "cancelled.",
            receipt=receipt.display_name,
        )
