from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare
from odoo.tools.misc import clean_context

from .many2many import link_many2many

# The chatter shows this many serials as links; a batch of thousands is
# summed up after them.
SERIAL_LOG_LINKS = 50
# The field of the wizard and of the background job that holds a document.
DOCUMENT_FIELDS = {"account.move": "account_move_id", "stock.picking": "picking_id"}
# The field of their lines that holds a document line, and the field of a
# document line that holds its document.
SOURCE_FIELDS = {
    "account.move.line": "account_move_line_id",
    "stock.move": "stock_move_id",
}
SOURCE_DOCUMENT_FIELDS = {"account.move.line": "move_id", "stock.move": "picking_id"}


class SerialGenerateMixin(models.AbstractModel):
    """What credit notes and customer returns share for Generate Serial #.

    The concrete model declares ``serial_lot_ids`` (its own relation table)
    and ``serial_job_ids``, and implements the ``_serial_*`` hooks below.
    """

    _name = "serial.generate.mixin"
    _description = "Document with Generate Serial #"

    serial_lot_count = fields.Integer(
        string="Serial Numbers Count", compute="_compute_serial_lot_count"
    )
    serial_can_generate = fields.Boolean(
        compute="_compute_serial_can_generate",
        help="Technical: shows Generate Serial # where it applies.",
    )
    serial_job_progress = fields.Char(
        string="Serial Generation Progress",
        compute="_compute_serial_job_progress",
        help="How far the background generation of serial numbers is.",
    )

    @api.depends("serial_lot_ids")
    def _compute_serial_lot_count(self):
        for document in self:
            document.serial_lot_count = len(document.serial_lot_ids)

    @api.depends("state", "serial_job_ids.state")
    def _compute_serial_can_generate(self):
        for document in self:
            document.serial_can_generate = bool(
                document.id
                and document._serial_document_error() is None
                and not document._serial_running_jobs()
                and document._serial_source_lines()
            )

    @api.depends("serial_job_ids.state", "serial_job_ids.done_count")
    def _compute_serial_job_progress(self):
        """Say on the document how far its background generation is, since
        the user who clicked OK left before it ended; and why it stopped,
        until the rest is generated."""
        for document in self:
            # Sudo: the banner tells everyone who reads the document, the
            # accountant of a credit note too, how far its own job is.
            job = document.sudo().serial_job_ids.sorted("id")[-1:]
            if job.state == "queued":
                document.serial_job_progress = self.env._(
                    "Generating serial numbers in the background: %(done)s of "
                    "%(total)s done.",
                    done=job.done_count,
                    total=job.total,
                )
            elif job.state == "failed" and document.sudo()._serial_has_remaining():
                document.serial_job_progress = self.env._(
                    "The background generation of serial numbers stopped after "
                    "%(done)s of %(total)s: %(error)s",
                    done=job.done_count,
                    total=job.total,
                    error=job.error,
                )
            else:
                document.serial_job_progress = False

    def _serial_has_remaining(self):
        """Whether some eligible line still lacks serials."""
        self.ensure_one()
        for source in self._serial_source_lines():
            total, serialized = source._serial_quantities()
            if (
                float_compare(
                    total,
                    serialized,
                    precision_rounding=source.product_id.uom_id.rounding,
                )
                > 0
            ):
                return True
        return False

    def _serial_running_jobs(self):
        # Sudo: whether a job runs decides what the document offers, to
        # readers without Inventory rights too; the jobs are not returned.
        return self.sudo().serial_job_ids.filtered(lambda job: job.state == "queued")

    # Hooks of the concrete model ------------------------------------------------

    def _serial_document_error(self):
        """Why Generate Serial # does not apply to this document (its type or
        state), or None."""
        raise NotImplementedError()

    def _serial_source_lines(self):
        """The document lines the wizard offers: account.move.line or stock.move."""
        raise NotImplementedError()

    def _serial_default_location(self):
        """Where the generated serials go unless the user picks another."""
        raise NotImplementedError()

    def _serial_receive(self, plan, location, validate):
        """Move the serials of ``plan`` into ``location``; return the transfers."""
        raise NotImplementedError()

    # Entry points ------------------------------------------------------------

    def action_generate_serial(self):
        """Open the Generate Serial # wizard on this document."""
        self.ensure_one()
        self._serial_check_generatable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Generate Serial #"),
            "res_model": "serial.generate.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_id": self.id,
                "active_ids": self.ids,
            },
        }

    def action_view_serials(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_production_lot_form"
        )
        action.update(
            name=self.env._(
                "Serial Numbers of %(document)s", document=self.display_name
            ),
            domain=[("id", "in", self.serial_lot_ids.ids)],
            context={"create": False, "search_default_group_by_product": 1},
        )
        return action

    def action_print_serial_labels(self):
        """Print the labels of the generated serials with Odoo's lot labels."""
        self.ensure_one()
        return self.serial_lot_ids.action_print_serial_labels()

    # Checks ------------------------------------------------------------------

    def _serial_check_generatable(self, running_job=None):
        """Raise unless the current user may generate serials on ``self``.

        Every public entry point calls this: RPC callers choose the ids, the
        context and the values, so nothing the client sent is trusted.
        ``running_job`` is the background job that checks before its chunk.
        """
        self._serial_check_access()
        error = self._serial_document_error()
        if error:
            raise UserError(error)
        if self._serial_running_jobs() - (
            running_job or self.env["serial.generation.job"]
        ):
            raise UserError(
                self.env._(
                    "Serial numbers of %(document)s are being generated in the "
                    "background. Wait until it is done.",
                    document=self.display_name,
                )
            )
        if not self._serial_source_lines():
            raise UserError(
                self.env._(
                    "%(document)s has no line of a storable product tracked by "
                    "serial or lot number to generate serials for.",
                    document=self.display_name,
                )
            )

    def _serial_check_access(self):
        """Generating or reversing needs Inventory / User rights, read access
        to the document, and the document's company among the user's."""
        self.ensure_one()
        if not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(
                self.env._(
                    "Generating serial numbers creates stock: it needs the "
                    "Inventory / User access right."
                )
            )
        self.check_access("read")
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot generate serial numbers for company %(company)s.",
                    company=self.company_id.display_name,
                )
            )

    def _serial_check_location(self, location):
        """The destination must be an internal location of the document's company."""
        self.ensure_one()
        if not location:
            raise UserError(
                self.env._(
                    "No location is configured to receive the generated serials "
                    "of %(company)s. Set it in Inventory > Configuration > "
                    "Settings, under Serial Number Generation.",
                    company=self.company_id.display_name,
                )
            )
        location = location.sudo()  # to read the company of a foreign id too
        if (
            location.usage != "internal"
            or location.company_id != self.company_id
            or not location.active
        ):
            raise UserError(
                self.env._(
                    "%(location)s cannot receive serials of %(document)s: it must "
                    "be an active internal location of %(company)s.",
                    location=location.display_name,
                    document=self.display_name,
                    company=self.company_id.display_name,
                )
            )

    def _serial_lock_document(self):
        """Make generations on the same document run one after the other.

        Writing the document's row makes a second generation wait until the
        first commits; then, under Odoo's repeatable read, PostgreSQL refuses
        its write as a concurrent update, and Odoo retries the request, which
        sees what the first one generated. Without it, both would read the
        same quantity still without serials and bring it in twice.
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id = %s",
                SQL.identifier(self._table),
                self.id,
            )
        )

    def _serial_check_plan(self, plan):
        """Check a generation ``plan`` against the document, from the database.

        Whoever built the plan (the wizard, a background job), the lines must
        be the document's, their products still storable and tracked, a
        serial must hold one unit, and no line may get more than what is
        still without serials.
        """
        self.ensure_one()
        requested = defaultdict(float)
        for item in plan:
            source, product = item["source"], item["product"]
            if source[SOURCE_DOCUMENT_FIELDS[source._name]] != self:
                raise UserError(
                    self.env._(
                        "A line to generate does not belong to %(document)s. Open "
                        "Generate Serial # again from the document.",
                        document=self.display_name,
                    )
                )
            if (
                source.product_id != product
                or not product.is_storable
                or product.tracking not in ("serial", "lot")
            ):
                raise UserError(
                    self.env._(
                        "%(product)s is no longer a storable product tracked by "
                        "serial or lot number: no serials can be generated for it.",
                        product=source.product_id.display_name,
                    )
                )
            if not source._serial_is_eligible():
                raise UserError(
                    self.env._(
                        "The line of %(product)s does not take returned goods: no "
                        "serials can be generated for it.",
                        product=product.display_name,
                    )
                )
            rounding = product.uom_id.rounding
            if float_compare(
                item["lot_quantity"], 0, precision_rounding=rounding
            ) <= 0 or (product.tracking == "serial" and item["lot_quantity"] != 1):
                raise UserError(
                    self.env._(
                        "A serial of %(product)s holds one unit, a lot a positive "
                        "quantity.",
                        product=product.display_name,
                    )
                )
            count = item.get("count") or len(item["names"])
            requested[source] += item["lot_quantity"] * count
        for source, quantity in requested.items():
            total, serialized = source._serial_quantities()
            remaining = total - serialized
            if (
                float_compare(
                    quantity,
                    remaining,
                    precision_rounding=source.product_id.uom_id.rounding,
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(product)s: %(requested)s to generate, but only "
                        "%(remaining)s of %(total)s are still without serial numbers.",
                        product=source.product_id.display_name,
                        requested=quantity,
                        remaining=max(remaining, 0.0),
                        total=total,
                    )
                )

    # Generation --------------------------------------------------------------

    def _serial_generate(self, plan, location, validate=True):
        """Create the serials of ``plan`` and bring them into ``location``.

        ``plan`` is a list of dicts with ``source`` (the document line),
        ``product``, ``names`` and ``lot_quantity`` (1 for a serial, the whole
        quantity for a lot). The names were checked under the product lock.
        Returns the new lots.
        """
        self.ensure_one()
        self._serial_check_location(location)
        self._serial_check_plan(plan)
        # Drop the default_* keys of the wizard's action: they would leak into
        # every record created below.
        document = self.with_env(self.env(context=clean_context(self.env.context)))
        lots = document.env["stock.lot"]._serial_create(document.company_id, plan)
        link_many2many(document, "serial_lot_ids", lots.ids)
        document._serial_log_generation(lots, location)
        document._serial_receive(plan, location, validate)
        return lots

    def _serial_queue(self, plan, location, validate):
        """Leave the generation of ``plan`` to the background runner."""
        self.ensure_one()
        self._serial_check_location(location)
        self._serial_check_plan(plan)
        # Sudo: users read jobs but may not write them, so that nobody can
        # forge or replay one over RPC; this one holds the checked plan.
        job = (
            self.env["serial.generation.job"]
            .sudo()
            .create(
                {
                    "company_id": self.company_id.id,
                    "user_id": self.env.uid,
                    DOCUMENT_FIELDS[self._name]: self.id,
                    "location_dest_id": location.id,
                    "validate_transfer": validate,
                    "line_ids": [
                        fields.Command.create(
                            {
                                SOURCE_FIELDS[item["source"]._name]: item["source"].id,
                                "product_id": item["product"].id,
                                "count": item["count"],
                                "lot_quantity": item["lot_quantity"],
                                "names": "\n".join(item["names"])
                                if item["names"]
                                else False,
                            }
                        )
                        for item in plan
                    ],
                }
            )
        )
        # Sudo: users trigger the runner, they do not manage scheduled actions.
        self.env.ref("everest_serial_gen.serial_generation_job_cron").sudo()._trigger()
        self.message_post(
            body=self.env._(
                "%(user)s asked for %(count)s serial numbers into %(location)s: they "
                "are generated in the background, in chunks of %(size)s.",
                user=self.env.user.name,
                count=job.total,
                location=location.display_name,
                size=self.company_id.serial_batch_size,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return job

    def _serial_log_generation(self, lots, location):
        links = Markup(", ").join(
            lot._get_html_link() for lot in lots[:SERIAL_LOG_LINKS]
        )
        if len(lots) > SERIAL_LOG_LINKS:
            more = self.env._("and %(count)s more", count=len(lots) - SERIAL_LOG_LINKS)
            links = Markup("%s %s") % (links, more)
        body = Markup(
            self.env._(
                "%(user)s generated %(count)s serial numbers into %(location)s: "
                "%(serials)s"
            )
        ) % {
            "user": self.env.user.name,
            "count": len(lots),
            "location": location.display_name,
            "serials": links,
        }
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
