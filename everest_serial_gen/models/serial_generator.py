import math
from collections import Counter, defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, float_round, formatLang
from odoo.tools.misc import clean_context

from ..tools.serial_plan import PlanLine
from ..tools.sql_tools import link_many2many, lock_rows


class SerialGenerator(models.AbstractModel):
    """Generate Serial #: the operation (``serial.job.operation``) that
    creates serials for returned goods that have none, and brings them, with
    the known serials it attaches or retrieves, into stock on their
    document.

    ``_serial_plan`` checks what OK asked for; the generation that records
    it (``serial.generation.job``) opens its transfers (``_serial_start``)
    and runs it at once or chunk by chunk (``_serial_run``,
    ``_serial_run_chunk``), each through ``_generate``: name the serials,
    create them, link them, log, and let the document receive the goods
    (``_serial_receive``). What differs between documents lives in their
    hooks (``serial.generate.mixin``). It never calls the generation back.
    """

    _name = "serial.generator"
    _inherit = "serial.job.operation"
    _description = "Generate Serial #"
    _serial_operation = "generate"

    # The operation (serial.job.operation) ----------------------------------------

    @api.model
    def _serial_plan(self, document, plan, location=None, validate=True):
        """Check ``plan`` (``PlanLine``s) once, with the document locked,
        and return the document in its company, the lines that do
        something, and the generation's values: one line per plan line."""
        document, plan = self._check_and_lock(document, plan, location)
        count = sum(
            line.count + len(line.attached or ()) + len(line.retrieved or ())
            for line in plan
        )
        vals = {
            "location_dest_id": location.id,
            "validate_transfer": validate,
            "line_ids": [
                fields.Command.create(self._prepare_job_line_vals(line))
                for line in plan
            ],
        }
        return document, plan, self._serial_prepare_job_vals(document, vals, count)

    def _serial_start(self, job, document, plan):
        """Open the transfers that bring the units in, once for all the
        chunks; a job in the background holds those it made until it ends
        (a return is the user's document: each chunk checks it again)."""
        document._serial_open_transfers(job, job.location_dest_id)
        if job.state != "queued":
            return
        # Sudo: only the addon marks a transfer as its job's
        job.sudo().transfer_ids.filtered(
            lambda picking: (picking._name, picking.id) != (document._name, document.id)
        ).serial_job_held = True
        document._message_log(
            body=self.env._(
                "%(user)s asked for %(count)s serial numbers into %(location)s: they "
                "are generated in the background, in chunks of %(size)s.",
                user=self.env.user.name,
                count=self._serial_count(job.total),
                location=job.location_dest_id.display_name,
                size=self._serial_count(document.company_id.serial_batch_size),
            ),
        )

    def _serial_run(self, job, document, plan):
        """All of ``plan`` at once, each plan line with its line of ``job``."""
        plan = tuple(
            line.for_job_line(job_line)
            for line, job_line in zip(plan, job.line_ids, strict=True)
        )
        lots = self._generate(
            document, plan, job.location_dest_id, job.validate_transfer
        )
        return {job_line: job_line.count for job_line in job.line_ids}, lots

    def _serial_run_chunk(self, job, document, size):
        """The next ``size`` serials of ``job``, checked again against the
        document: someone may have changed it since OK."""
        lines, taken = job.line_ids._next_chunk(size)
        last = job.done_count + sum(taken.values()) >= job.total
        document, lines = self._check_and_lock(
            document, lines, job.location_dest_id, running_job=job
        )
        lots = self._generate(
            document,
            lines,
            job.location_dest_id,
            job.validate_transfer and last,
            chunk_of=job,
        )
        return taken, lots

    def _serial_job_done(self, job, document):
        document._message_log(
            body=self.env._(
                "The background generation of %(count)s serial numbers is done.",
                count=self._serial_count(job.total),
            ),
        )

    def _serial_job_stopped(self, job, document):
        if not document:
            return None
        return document._serial_job_stopped(job)

    def _serial_progress_text(self, job):
        return self.env._(
            "Generating serial numbers in the background: %(done)s of "
            "%(total)s done.",
            done=self._serial_count(job.done_count),
            total=self._serial_count(job.total),
        )

    def _serial_stopped_text(self, job):
        return self.env._(
            "The background generation of serial numbers stopped after "
            "%(done)s of %(total)s: %(error)s",
            done=self._serial_count(job.done_count),
            total=self._serial_count(job.total),
            error=job.error,
        )

    def _serial_stopped_banner(self, job, document):
        """Until the rest is generated."""
        return document._serial_has_remaining()

    def _serial_queued_message(self, job):
        return self.env._(
            "%(count)s serial numbers are being generated in the "
            "background. The document shows the progress.",
            count=self._serial_count(job.total),
        )

    # Checking and generating -------------------------------------------------------

    @api.model
    def _check_and_lock(self, document, lines, location, running_job=None):
        """Check everything once, with the document locked, so that the
        quantities left to generate cannot change until we commit. Returns
        the document in its company, and the lines that do something."""
        self._check_generatable(document, running_job)
        # (a running job's chunk holds its document already: _process_chunk)
        lock_rows(document)
        # Known serials are checked against other documents: whoever comes
        # second for the same serials waits, and Odoo retries it (lock_rows).
        lock_rows(
            self.env["stock.lot"].concat(
                *(line.attached for line in lines if line.attached),
                *(line.retrieved.lot_id for line in lines if line.retrieved),
            )
        )
        self._check_location(document, location)
        self.env["stock.lot"]._serial_check_names_free(document, lines, running_job)
        if running_job:
            # someone may have brought attached units back meanwhile
            self.env["serial.attach"]._check_still_attachable(
                [
                    (line.origin, lot, line.attached_quantities[lot])
                    for line in lines
                    for lot in line.attached or ()
                ]
            )
        lines = self._check_plan(document, lines)
        return document.with_company(document.company_id), lines

    # Checks: what the user asked for, against the database -----------------
    #
    # RPC callers choose the ids, the context and the values, so every entry
    # point re-checks the document and the plan against the database, whoever
    # built them (the wizard, a background job).

    @api.model
    def _check_generatable(self, document, running_job=None):
        """Raise unless the current user may generate serials on ``document``.

        ``running_job`` is the background job that checks before its chunk.
        """
        self._check_access(document)
        error = document._serial_document_error()
        if error:
            raise UserError(error)
        if document._serial_running_jobs() - (
            running_job or self.env["serial.generation.job"]
        ):
            raise UserError(
                self.env._(
                    "Serial numbers of %(document)s are being generated in the "
                    "background. Wait until it is done.",
                    document=document.display_name,
                )
            )
        if not document._serial_source_lines():
            raise UserError(
                self.env._(
                    "%(document)s has no line of a storable product tracked by "
                    "serial or lot number to generate serials for.",
                    document=document.display_name,
                )
            )

    @api.model
    def _check_access(self, document):
        """Generating or reversing needs Inventory / User rights, read access
        to the document, and the document's company among the user's."""
        document.ensure_one()
        if not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(
                self.env._(
                    "Generating serial numbers creates stock: it needs the "
                    "Inventory / User access right."
                )
            )
        document.check_access("read")
        if document.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot generate serial numbers for company %(company)s.",
                    company=document.company_id.display_name,
                )
            )

    @api.model
    def _check_location(self, document, location):
        """The destination must be an internal location of the document's company."""
        if not location:
            raise UserError(
                self.env._(
                    "No location is configured to receive the generated serials "
                    "of %(company)s. Set it in Inventory > Configuration > "
                    "Settings, under Serial Number Generation.",
                    company=document.company_id.display_name,
                )
            )
        location = location.sudo()  # to read the company of a foreign id too
        if (
            location.usage != "internal"
            or location.company_id != document.company_id
            or not location.active
        ):
            raise UserError(
                self.env._(
                    "%(location)s cannot receive serials of %(document)s: it must "
                    "be an active internal location of %(company)s.",
                    location=location.display_name,
                    document=document.display_name,
                    company=document.company_id.display_name,
                )
            )
        error = document._serial_location_error(location)
        if error:
            raise UserError(error)

    @api.model
    def _check_plan(self, document, lines):
        """Check the plan ``lines`` against ``document``, from the database;
        return the lines that create lots.

        The lines must be the document's, their products still storable and
        tracked, a serial must hold one unit, and no line may get more than
        what is still without serials.
        """
        requested = defaultdict(float)
        for line in lines:
            self._check_plan_line(document, line)
            requested[line.source] += line.quantity + line.known_quantity
        self._check_each_unit_once(lines)
        for source, quantity in requested.items():
            total, serialized = source._serial_quantities(document)
            remaining = total - serialized
            if (
                float_compare(
                    quantity,
                    remaining,
                    precision_rounding=source.product_id.uom_id.rounding,
                )
                > 0
            ):
                uom = source.product_id.uom_id
                raise UserError(
                    self.env._(
                        "%(product)s: %(requested)s to generate, but only "
                        "%(remaining)s of %(total)s are still without serial numbers.",
                        product=source.product_id.display_name,
                        requested=self._format_quantity(quantity, uom),
                        remaining=self._format_quantity(
                            max(remaining, 0.0), uom, False
                        ),
                        total=self._format_quantity(total, uom),
                    )
                )
        lines = tuple(line for line in lines if not line.is_empty)
        if not lines:
            if not document._serial_has_remaining():
                raise UserError(self._nothing_left_message(document))
            raise UserError(
                self.env._(
                    "Nothing to generate: set a quantity To Generate on at least "
                    "one line of %(document)s.",
                    document=document.display_name,
                )
            )
        return lines

    @api.model
    def _check_each_unit_once(self, lines):
        """A unit comes in once: refuse, naming it, a serial that two lines
        of the plan attach or retrieve, a return line two lines retrieve,
        or more units of a lot than the customers hold."""
        # (what counts once: a serial, or a return line of a lot) -> its name
        counts, named = Counter(), {}
        lot_units = defaultdict(float)
        for line in lines:
            for lot in line.attached or ():
                if lot.product_id.tracking == "serial":
                    counts[lot] += 1
                    named[lot] = lot.name
                else:
                    lot_units[lot] += line.attached_quantities[lot]
            for returned in line.retrieved or ():
                serial = returned.lot_id.product_id.tracking == "serial"
                key = returned.lot_id if serial else returned
                counts[key] += 1
                named[key] = returned.lot_id.name
        names = [named[key] for key, count in counts.items() if count > 1]
        if lot_units:
            at_customers = self.env["serial.attach"]._customer_quantities(
                self.env["stock.lot"].concat(*lot_units)
            )
            names += [
                lot.name
                for lot, units in lot_units.items()
                if float_compare(
                    units,
                    at_customers.get(lot, 0.0),
                    precision_rounding=lot.product_id.uom_id.rounding,
                )
                > 0
            ]
        if names:
            raise UserError(
                self.env._(
                    "%(serials)s would come in twice: each unit is received "
                    "once, on one line. Remove it from the other lines.",
                    serials=names[0],
                )
                if len(names) == 1
                else self.env._(
                    "%(serials)s would come in twice: each unit is received "
                    "once, on one line. Remove them from the other lines.",
                    serials=", ".join(names),
                )
            )

    @api.model
    def _nothing_left_message(self, document):
        return self.env._(
            "Nothing is left to generate on %(document)s: every line already has "
            "its serial numbers.",
            document=document.display_name,
        )

    @api.model
    def _format_quantity(self, quantity, uom, with_unit=True):
        """``quantity`` as users read it: "4 Units", "2.5 kg"; with as many
        decimals as it needs, at most the unit's."""
        rounding = uom.rounding or 1.0
        digits = max(0, -math.floor(math.log10(rounding))) if rounding < 1 else 0
        quantity = float_round(quantity, precision_rounding=rounding)
        shown = next(
            places
            for places in range(digits + 1)
            if float_is_zero(quantity - round(quantity, places), precision_digits=6)
            or places == digits
        )
        text = formatLang(self.env, quantity, digits=shown)
        return f"{text} {uom.name}" if with_unit else text

    @api.model
    def _check_plan_line(self, document, line):
        """One plan line: its source, the quantity of each lot, its known
        serials on no other credit note, as many names as lots."""
        self._check_plan_source(document, line)
        product = line.product
        rounding = product.uom_id.rounding
        if line.count and (
            float_compare(line.lot_quantity, 0, precision_rounding=rounding) <= 0
            or (product.tracking == "serial" and line.lot_quantity != 1)
        ):
            raise UserError(
                self.env._(
                    "A serial of %(product)s holds one unit, a lot a positive "
                    "quantity.",
                    product=product.display_name,
                )
            )
        known = (line.attached or self.env["stock.lot"]) | (
            line.retrieved.lot_id if line.retrieved else self.env["stock.lot"]
        )
        if known:
            document._serial_check_credited(known)
        if line.names is not None and len(line.names) != line.count:
            raise UserError(
                self.env._(
                    "%(count)s names are given for %(lots)s lots of %(product)s.",
                    count=len(line.names),
                    lots=line.count,
                    product=product.display_name,
                )
            )

    @api.model
    def _check_plan_source(self, document, line):
        """The line's source is still one of ``document``'s lines that
        Generate Serial # applies to, for the line's product."""
        source, product = line.source, line.product
        if not source or source not in document[document._serial_lines_field]:
            raise UserError(
                self.env._(
                    "A line to generate does not belong to %(document)s. Open "
                    "Generate Serial # again from the document.",
                    document=document.display_name,
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
        if not source._serial_is_eligible(document):
            raise UserError(
                self.env._(
                    "The line of %(product)s does not take returned goods: no "
                    "serials can be generated for it.",
                    product=product.display_name,
                )
            )

    @api.model
    def _check_typed_names(self, product, count, names):
        """The names typed for ``count`` lots of ``product`` fit them."""
        if not names:
            return
        if product.tracking == "serial" and len(names) != count:
            raise UserError(
                self.env._(
                    "%(count)s serial numbers are typed for %(product)s, but its "
                    "quantity to generate is %(quantity)s.",
                    count=len(names),
                    product=product.display_name,
                    quantity=count,
                )
            )
        if product.tracking == "lot" and len(names) > 1:
            raise UserError(
                self.env._(
                    "%(product)s is tracked by lot: it gets one lot, so type one lot "
                    "number for it, not %(count)s.",
                    product=product.display_name,
                    count=len(names),
                )
            )

    @api.model
    def _generate(self, document, lines, location, validate, chunk_of=None):
        """Name and create the new serials of the plan ``lines``, link them
        and the known ones to the document, and let the document bring
        them in; returns every serial taken. ``chunk_of``: the background
        job this is a chunk of."""
        # Drop the default_* keys of the wizard's action: they would leak into
        # every record created below.
        env = document.env(context=clean_context(self.env.context))
        document = document.with_env(env)
        company = document.company_id
        names = env["stock.lot"]._serial_name_plan(company, lines)
        lots = env["serial.generator"]._create_lots(company, lines, names, document)
        new = env["stock.lot"].concat(*lots)
        attached = env["stock.lot"].concat(
            *(line.attached for line in lines if line.attached)
        )
        retrieved = env["stock.lot"].concat(
            *(line.retrieved.lot_id for line in lines if line.retrieved)
        )
        known = attached | retrieved
        link_many2many(document, "serial_lot_ids", (new | known).ids)
        env["serial.generator"]._log_generation(
            document, new, location, attached, retrieved, chunk_of=chunk_of
        )
        document._serial_receive(lines, lots, location, validate)
        document._serial_retrieve(tuple(line for line in lines if line.retrieved))
        return new | known

    @api.model
    def _create_lots(self, company, lines, names, document):
        """Create the lots of the plan ``lines``, named ``names`` (one tuple
        per line), in one batch; return them, one recordset per line.

        The lots of a line differ only by name, and get no chatter message
        each. Each lot records why it exists (``document``'s type, customer
        and the date).
        """
        provenance = self.env["stock.lot"]._serial_provenance_vals(document)
        self.env["stock.lot"].check_access("create")
        Lot = self.env["stock.lot"]
        vals_list = []
        for line, line_names in zip(lines, names, strict=True):
            if not line_names:
                continue
            move = line.job_line.move_id if line.job_line else None
            template = (
                move._serial_new_lot_vals()
                if move
                else self._prepare_lot_vals(
                    line.product, Lot._serial_lot_company(company, line.product)
                )
            )
            vals_list += [
                dict(template, name=name, **provenance) for name in line_names
            ]
        # Sudo: the provenance fields are the addon's only (field_guard);
        # the generator checked the user's access to the document.
        lots = (
            self.env["stock.lot"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            ._serial_create_lots(vals_list)
            .sudo(False)
        )
        created, start = [], 0
        for line_names in names:
            count = len(line_names or ())
            created.append(lots[start : start + count])
            start += count
        return created

    @api.model
    def _prepare_lot_vals(self, product, company):
        """A new lot of ``product`` that no move receives yet, but its name,
        with the company Odoo's own receipts give it."""
        vals = {"product_id": product.id}
        if company:
            vals["company_id"] = company.id
        return vals

    @api.model
    def _prepare_job_line_vals(self, line):
        """The generation line of a plan line: its new serials, its known
        serials to attach, or its return lines to retrieve."""
        vals = {
            "source_model": line.source._name,
            "source_id": line.source.id,
            "product_id": line.product.id,
            "origin_move_id": line.origin.id if line.origin else False,
        }
        if line.attached:
            lots = line.attached
            return dict(
                vals,
                kind="attach",
                count=len(lots),
                lot_quantity=(
                    1.0
                    if line.product.tracking == "serial"
                    else line.attached_quantities[lots]
                ),
                attach_lot_ids=[fields.Command.set(lots.ids)],
            )
        if line.retrieved:
            return dict(
                vals,
                kind="retrieve",
                count=len(line.retrieved),
                lot_quantity=0.0,
                retrieved_line_ids=[fields.Command.set(line.retrieved.ids)],
            )
        return dict(
            vals,
            kind="generate",
            count=line.count,
            lot_quantity=line.lot_quantity,
            names="\n".join(line.names) if line.names else False,
        )

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
        self._check_typed_names(product, count, names)
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
        if not document._serial_returns_deliveries():
            # the document's own move brings them, not a return of a delivery
            attached = [
                (origin.browse(), lot, units) for origin, lot, units in attached
            ]
        by_origin = {}
        for origin, lot, units in attached:
            known = by_origin.setdefault(origin, [0, {}])[1]
            known[lot] = known.get(lot, 0.0) + units
        by_new_origin = (
            source._serial_new_units_by_origin(document, count, lot_quantity, attached)
            if document._serial_returns_deliveries()
            else [(self.env["stock.move"], count)]
            if count
            else []
        )
        for origin, new_count in by_new_origin:
            by_origin.setdefault(origin, [0, {}])[0] += new_count
        # one plan line per thing to do: the new lots of an origin, its
        # known serials (each lot of a lot-tracked product on its own, as
        # their units differ), the return lines to retrieve
        lines, start = [], 0
        names = tuple(names) if names and count else None
        common = {"source": source, "product": product, "lot_quantity": lot_quantity}
        for origin, (new_count, known) in by_origin.items():
            if new_count:
                lines.append(
                    PlanLine(
                        **common,
                        count=new_count,
                        names=names[start : start + new_count] if names else None,
                        origin=origin or None,
                    )
                )
                start += new_count
            groups = (
                [list(known)]
                if product.tracking == "serial"
                else [[lot] for lot in known]
            )
            for group in groups if known else ():
                lots = self.env["stock.lot"].concat(*group)
                lines.append(
                    PlanLine(
                        **common,
                        count=0,
                        origin=origin or None,
                        attached=lots,
                        attached_quantities={lot: known[lot] for lot in group},
                    )
                )
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
                    quantity=self._format_quantity(quantity, product.uom_id, False),
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
    def _log_generation(
        self, document, lots, location, attached=None, retrieved=None, chunk_of=None
    ):
        """Say in the document's chatter what was done: serials generated,
        attached (brought back) or retrieved (taken as received). A chunk of
        a background job (``chunk_of``) links to its job, which lists them
        all."""
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
        if chunk_of and parts:
            parts.append(
                Markup(self.env._("A chunk of %(job)s."))
                % {
                    "job": chunk_of._get_html_link(
                        title=self.env._(
                            "Serial Generation %(number)s", number=chunk_of.id
                        )
                    )
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
        """Links to the lots, when they are few; a batch of more is summed
        up as its first and last of each product ("RMA-000001 …
        RMA-001000"): the count says how many."""
        if len(lots) <= SERIAL_LOG_LINKS:
            return Markup(", ").join(lot._get_html_link() for lot in lots)
        return Markup(", ").join(
            Markup("%s … %s") % (group[0]._get_html_link(), group[-1]._get_html_link())
            if len(group) > 1
            else group._get_html_link()
            for group in lots.grouped("product_id").values()
        )

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


# The chatter shows up to this many serials as links; a batch of more is
# summed up as its first and last.
SERIAL_LOG_LINKS = 20
