from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round
from odoo.tools.misc import clean_context

from ..tools.batch_memo import batch_memo
from ..tools.fast_path import fast_path_enabled
from ..tools.serial_plan import PlanLine
from ..tools.sql_tools import link_many2many, lock_rows

# How long a background chunk waits for a document that a user's
# transaction holds, before it lets the next job run.
JOB_LOCK_TIMEOUT = "5s"


class SerialGenerator(models.AbstractModel):
    """The one home of Generate Serial #.

    ``submit`` is what OK does: check once, record the generation
    (``serial.generation.job``), then run it at once or leave it to the
    background runner. ``generate`` checks, locks the document, names and
    creates the serials, links them, logs, and lets the document receive
    the goods (``_serial_receive``); the background runner calls it chunk
    by chunk. What differs between documents lives in their hooks
    (``serial.generate.mixin``); the checks of the user's input live in
    ``serial.generator.check``.
    """

    _name = "serial.generator"
    _description = "Serial Number Generation"

    @api.model
    def submit(self, document, lines, location, validate=True):
        """Generate ``lines`` into ``location``, in one transaction, or queue
        them when they are more than the company's batch size. Returns the
        generation."""
        document, lines = self._prepare(document, lines, location)
        job = self._record(document, lines, location, validate)
        if job.state == "queued":
            self._queue(document, job, location)
        else:
            job._run_now(document)
        return job

    @api.model
    def generate(self, document, lines, location, validate=True, running_job=None):
        """Generate ``lines`` now; ``running_job`` is the background job that
        asks for one of its chunks."""
        document, lines = self._prepare(document, lines, location, running_job)
        return self._generate(document, lines, location, validate)

    @api.model
    def _prepare(self, document, lines, location, running_job=None):
        """Check everything once, with the document locked, so that the
        quantities left to generate cannot change until we commit. Returns
        the document in its company, and the lines that create lots."""
        check = self.env["serial.generator.check"]
        check._check_generatable(document, running_job)
        # The runner must not wait long on a document a user is working on:
        # past the timeout, the chunk is retried later (serial.generation.job).
        lock_rows(document, timeout=JOB_LOCK_TIMEOUT if running_job else None)
        # Known serials are checked against other documents: whoever comes
        # second for the same serials waits, and Odoo retries it (lock_rows).
        lock_rows(
            self.env["stock.lot"].concat(
                *(line.attached for line in lines if line.attached),
                *(line.retrieved.lot_id for line in lines if line.retrieved),
            )
        )
        check._check_location(document, location)
        self.env["serial.numbering"]._check_names_free(document, lines, running_job)
        if running_job:
            # someone may have brought attached units back meanwhile
            self.env["serial.attach"]._check_still_attachable(
                [
                    (line.origin, lot, line.attached_quantities[lot])
                    for line in lines
                    for lot in line.attached or ()
                ]
            )
        lines = check._check_plan(document, lines)
        return document.with_company(document.company_id), lines

    @api.model
    def _generate(self, document, lines, location, validate):
        if not fast_path_enabled(self.env):
            return self._generate_batch(document, lines, location, validate)
        with batch_memo():
            return self._generate_batch(document, lines, location, validate)

    @api.model
    def _generate_batch(self, document, lines, location, validate):
        # Drop the default_* keys of the wizard's action: they would leak into
        # every record created below.
        env = document.env(context=clean_context(self.env.context))
        document = document.with_env(env)
        company = document.company_id
        lines = env["serial.numbering"]._name_plan(company, lines)
        # the moves that receive the lots first: they say what a new lot holds
        document._serial_prepare_moves(lines, location)
        lines = env["serial.generator"]._create_lots(company, lines, document)
        lots = env["stock.lot"].concat(*(line.lots for line in lines if line.lots))
        attached = env["stock.lot"].concat(
            *(line.attached for line in lines if line.attached)
        )
        retrieved = env["stock.lot"].concat(
            *(line.retrieved.lot_id for line in lines if line.retrieved)
        )
        known = attached | retrieved
        link_many2many(document, "serial_lot_ids", (lots | known).ids)
        env["serial.generator"]._log_generation(
            document, lots, location, attached, retrieved
        )
        document._serial_receive(lines, location, validate)
        document._serial_retrieve(tuple(line for line in lines if line.retrieved))
        return lots | known

    @api.model
    def _create_lots(self, company, lines, document=None):
        """Create the lots of named ``lines`` in one batch; return the lines
        with their lots.

        The lots of a line differ only by name: ``stock.lot``'s batch
        create gives ``create()``'s result at a fraction of its cost
        (stock_lot_batch.py). No chatter message per lot. Each lot records
        why it exists (``document``'s type, customer and the date).
        """
        provenance = (
            self.env["stock.lot"]._serial_provenance_vals(document) if document else {}
        )
        self.env["stock.lot"].check_access("create")
        numbering = self.env["serial.numbering"]
        vals_list = []
        for line in lines:
            if not line.names:
                continue
            move = line.job_line.move_id if line.job_line else None
            template = (
                move._serial_new_lot_vals()
                if move
                else self._prepare_lot_vals(
                    line.product, numbering._lot_company(company, line.product)
                )
            )
            vals_list += [
                dict(template, name=name, **provenance) for name in line.names
            ]
        # Sudo: the provenance fields are the addon's only (field_guard.py);
        # the generator checked the user's access to the document.
        lots = (
            self.env["stock.lot"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            ._serial_create_batch(vals_list)
            .sudo(False)
        )
        created, start = [], 0
        for line in lines:
            count = len(line.names or ())
            created.append(line.with_lots(lots[start : start + count]))
            start += count
        return tuple(created)

    @api.model
    def _prepare_lot_vals(self, product, company):
        """A new lot of ``product`` that no move receives yet, but its name,
        with the company Odoo's own receipts give it."""
        vals = {"product_id": product.id}
        if company:
            vals["company_id"] = company.id
        return vals

    # The record of a generation ------------------------------------------------

    @api.model
    def _record(self, document, lines, location, validate):
        """The generation of ``lines``: what OK asked for, kept with its
        plan so that a background runner does exactly that."""
        # Sudo: users read generations but may not write them, so that nobody
        # can forge or replay one over RPC; this one holds the checked plan.
        return (
            self.env["serial.generation.job"]
            .sudo()
            .create(self._prepare_job_vals(document, lines, location, validate))
            .sudo(False)
        )

    @api.model
    def _prepare_job_vals(self, document, lines, location, validate):
        """One that is more serials than the company's batch size is queued
        for the background runner; the others run at once, in the user's
        transaction, so that nobody ever sees them other than done."""
        count = sum(
            line.count + len(line.attached or ()) + len(line.retrieved or ())
            for line in lines
        )
        background = count > document.company_id.serial_batch_size
        return {
            "state": "queued" if background else "done",
            "company_id": document.company_id.id,
            "user_id": self.env.uid,
            "res_model": document._name,
            "res_id": document.id,
            # Sudo: the name a generation is listed and found by
            "document_name": document.sudo().display_name,
            "location_dest_id": location.id,
            "validate_transfer": validate,
            "line_ids": [
                fields.Command.create(vals)
                for line in lines
                for vals in self._prepare_job_line_vals(document, line)
            ],
        }

    @api.model
    def _prepare_job_line_vals(self, document, line):
        """The generation lines of a plan line: its new serials, its known
        serials to attach (one line per lot of a lot-tracked product, whose
        units differ), and its return lines to retrieve."""
        common = {
            "source_model": line.source._name,
            "source_id": line.source.id,
            "product_id": line.product.id,
            "origin_move_id": line.origin.id if line.origin else False,
        }
        vals_list = []
        if line.count:
            vals_list.append(
                dict(
                    common,
                    kind="generate",
                    count=line.count,
                    lot_quantity=line.lot_quantity,
                    names="\n".join(line.names) if line.names else False,
                )
            )
        if line.attached:
            serial = line.product.tracking == "serial"
            groups = [line.attached] if serial else list(line.attached)
            vals_list += [
                dict(
                    common,
                    kind="attach",
                    count=len(lots),
                    lot_quantity=1.0 if serial else line.attached_quantities[lots],
                    attach_lot_ids=[fields.Command.set(lots.ids)],
                )
                for lots in groups
            ]
        if line.retrieved:
            vals_list.append(
                dict(
                    common,
                    kind="retrieve",
                    count=len(line.retrieved),
                    lot_quantity=0.0,
                    retrieved_line_ids=[fields.Command.set(line.retrieved.ids)],
                )
            )
        return vals_list

    @api.model
    def _queue(self, document, job, location):
        """Leave ``job`` to the background runner."""
        # Sudo: users trigger the runner, they do not manage scheduled actions.
        self.env.ref("everest_serial_gen.serial_generation_job_cron").sudo()._trigger()
        document._message_log(
            body=self.env._(
                "%(user)s asked for %(count)s serial numbers into %(location)s: they "
                "are generated in the background, in chunks of %(size)s.",
                user=self.env.user.name,
                count=job.total,
                location=location.display_name,
                size=document.company_id.serial_batch_size,
            ),
        )
        return job

    # Input -------------------------------------------------------------------

    @api.model
    def _plan_lines(
        self,
        source,
        quantity,
        names=None,
        product=None,
        attach=None,
        attach_quantity=None,
        document=None,
        confirm_other_customer=False,
    ):
        """The plan lines for ``quantity`` new units (product unit) of
        ``source`` with the ``names`` the user typed, if any, and the known
        serials to ``attach`` (``attach_quantity`` units of them, for a lot);
        one plan line per delivery whose return brings units back, and one
        for the rest. Refuse what cannot be. ``product`` is the one the user
        saw, checked against the source's."""
        product = product or source.product_id
        count, lot_quantity = self._plan_quantity(product, quantity)
        self.env["serial.generator.check"]._check_typed_names(product, count, names)
        attached, retrieved = [], None
        if attach:
            split = self.env["serial.attach"]._split(
                document,
                source,
                attach,
                None if product.tracking == "serial" else attach_quantity,
                confirm_other_customer,
            )
            if split.others:
                self.env["serial.attach"]._log_other_customers(document, split.others)
            attached, retrieved = split.attached, split.retrieved or None
        by_origin = {}
        for origin, lot, units in attached:
            known = by_origin.setdefault(origin, [0, {}])[1]
            known[lot] = known.get(lot, 0.0) + units
        for origin, new_count in source._serial_new_units_by_origin(
            count, lot_quantity, attached
        ):
            by_origin.setdefault(origin, [0, {}])[0] += new_count
        lines, start = [], 0
        names = tuple(names) if names and count else None
        for origin, (new_count, known) in by_origin.items():
            lines.append(
                PlanLine(
                    source=source,
                    product=product,
                    count=new_count,
                    lot_quantity=lot_quantity,
                    names=names[start : start + new_count] if names else None,
                    origin=origin or None,
                    attached=self.env["stock.lot"].concat(*known) or None,
                    attached_quantities=known or None,
                )
            )
            start += new_count
        if retrieved or not lines:
            lines.append(
                PlanLine(
                    source=source,
                    product=product,
                    count=0,
                    lot_quantity=lot_quantity,
                    retrieved=retrieved,
                )
            )
        return tuple(lines)

    @api.model
    def _plan_quantity(self, product, quantity):
        """``(count, lot_quantity)`` for ``quantity`` new units of
        ``product``: one lot per unit of a serial, one lot for the rest."""
        rounding = product.uom_id.rounding
        if float_compare(quantity, 0, precision_rounding=rounding) < 0:
            raise UserError(
                self.env._(
                    "The quantity to generate of %(product)s cannot be negative.",
                    product=product.display_name,
                )
            )
        serial = product.tracking == "serial"
        if serial and not float_is_zero(quantity - round(quantity), precision_digits=6):
            raise UserError(
                self.env._(
                    "%(product)s is tracked by serial number: its quantity to "
                    "generate must be a whole number, not %(quantity)s.",
                    product=product.display_name,
                    quantity=self.env["serial.generator.check"]._format_quantity(
                        quantity, product.uom_id, False
                    ),
                )
            )
        if not float_is_zero(
            quantity - float_round(quantity, precision_rounding=rounding),
            precision_digits=6,
        ):
            raise UserError(
                self.env._(
                    "The quantity to generate of %(product)s does not fit the "
                    "rounding of its unit %(unit)s.",
                    product=product.display_name,
                    unit=product.uom_id.display_name,
                )
            )
        if serial:
            return int(round(quantity)), 1.0
        return (1 if quantity > 0 else 0), quantity

    @api.model
    def _log_generation(self, document, lots, location, attached=None, retrieved=None):
        """Say in the document's chatter what was done: serials generated,
        attached (brought back) or retrieved (taken as received)."""
        parts = []
        for verb, group in (
            (self.env._("generated"), lots),
            (self.env._("attached"), attached),
        ):
            if group:
                parts.append(
                    Markup(
                        self.env._(
                            "%(user)s %(verb)s %(what)s, into %(location)s: "
                            "%(serials)s"
                        )
                    )
                    % {
                        "user": self.env.user.name,
                        "verb": verb,
                        "what": self._describe_lots(group),
                        "location": location.display_name,
                        "serials": self._lot_links(group),
                    }
                )
        if retrieved:
            parts.append(
                Markup(
                    self.env._(
                        "%(user)s retrieved %(what)s, already in stock: %(serials)s"
                    )
                )
                % {
                    "user": self.env.user.name,
                    "what": self._describe_lots(retrieved),
                    "serials": self._lot_links(retrieved),
                }
            )
        document._message_log(body=Markup("<br/>").join(parts))

    @api.model
    def _describe_generation(self, job):
        """What a generation did, as users count it: "2 serial numbers
        attached and 1 serial number generated into WH/Stock; 1 serial
        number retrieved, already in stock"."""
        lines = job.line_ids
        attached = lines.filtered(lambda line: line.kind == "attach").attach_lot_ids
        retrieved = lines.filtered(
            lambda line: line.kind == "retrieve"
        ).retrieved_line_ids.lot_id
        generated = job.lot_ids - attached - retrieved
        moved = [
            self.env._("%(what)s generated", what=self._describe_lots(generated))
            if generated
            else None,
            self.env._("%(what)s attached", what=self._describe_lots(attached))
            if attached
            else None,
        ]
        moved = [part for part in moved if part]
        sentences = []
        if moved:
            sentences.append(
                self.env._(
                    "%(what)s into %(location)s",
                    what=self.env._(" and ").join(moved),
                    location=job.location_dest_id.display_name,
                )
            )
        if retrieved:
            sentences.append(
                self.env._(
                    "%(what)s retrieved, already in stock",
                    what=self._describe_lots(retrieved),
                )
            )
        return "; ".join(sentences)

    @api.model
    def _lot_links(self, lots):
        """Links to the first lots; a batch of thousands is summed up."""
        links = Markup(", ").join(
            lot._get_html_link() for lot in lots[:SERIAL_LOG_LINKS]
        )
        if len(lots) > SERIAL_LOG_LINKS:
            more = self.env._("and %(count)s more", count=len(lots) - SERIAL_LOG_LINKS)
            links = Markup("%s %s") % (links, more)
        return links

    @api.model
    def _describe_lots(self, lots):
        """What ``lots`` are, as users count them: "3 serial numbers and 1 lot"."""
        serials = lots.filtered(lambda lot: lot.product_id.tracking == "serial")
        parts = []
        if serials or not lots:
            parts.append(
                self.env._("1 serial number")
                if len(serials) == 1
                else self.env._("%(count)s serial numbers", count=len(serials))
            )
        others = len(lots) - len(serials)
        if others:
            parts.append(
                self.env._("1 lot")
                if others == 1
                else self.env._("%(count)s lots", count=others)
            )
        return self.env._(" and ").join(parts)


# The chatter shows this many serials as links; a batch of thousands is
# summed up after them.
SERIAL_LOG_LINKS = 50
