from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class SerialGenerateMixin(models.AbstractModel):
    """A document with Generate Serial #: its buttons, and the hooks that
    ``serial.generator`` calls.

    A document model inherits this, declares ``serial_lot_ids`` (its own
    relation table), names its lines in ``_serial_lines_field`` (their model
    inherits ``serial.generate.line.mixin``), and implements the
    ``_serial_*`` hooks. The wizard and the generations refer to documents
    by model and id, as mail.activity does, and find the document models
    through this mixin.
    """

    _name = "serial.generate.mixin"
    _description = "Document with Generate Serial #"

    # The document's one2many of its lines.
    _serial_lines_field = None
    # What decides whether Reverse Serial Generation applies.
    _serial_reverse_depends = ()

    serial_job_ids = fields.One2many(
        "serial.generation.job",
        "res_id",
        string="Serial Generations",
        readonly=True,
        domain=lambda self: [("res_model", "=", self._name)],
    )
    serial_job_count = fields.Integer(
        string="Serial Generations Count", compute="_compute_serial_job_count"
    )
    serial_lot_count = fields.Integer(
        string="Serial Numbers Count", compute="_compute_serial_lot_count"
    )
    # the transfers Generate Serial # made for the document (a credit note's
    # receipts), as mail.thread finds its messages
    serial_picking_ids = fields.One2many(
        "stock.picking",
        "serial_res_id",
        string="Serial Transfers",
        readonly=True,
        domain=lambda self: [("serial_res_model", "=", self._name)],
    )
    serial_picking_count = fields.Integer(
        string="Serial Receipts Count", compute="_compute_serial_picking_count"
    )
    serial_can_generate = fields.Boolean(
        string="Serials to Generate",
        compute="_compute_serial_can_generate",
        search="_search_serial_can_generate",
        help="Generate Serial # applies: some returned items tracked by serial "
        "or lot number have none yet.",
    )
    serial_covered_note = fields.Char(
        string="Serials Already There",
        compute="_compute_serial_covered_note",
        help="Why Generate Serial # does not show on a document whose tracked "
        "lines got their serials elsewhere.",
    )
    serial_can_reverse = fields.Boolean(
        compute="_compute_serial_can_reverse",
        help="Technical: shows Reverse Serial Generation where it applies.",
    )
    serial_job_progress = fields.Char(
        string="Serial Generation Progress",
        compute="_compute_serial_job_progress",
        help="How far the background generation of serial numbers is.",
    )

    @api.depends("serial_job_ids")
    def _compute_serial_job_count(self):
        for document in self:
            # Sudo: a count, for readers of the document without Inventory
            # rights too; the button that opens them asks for them.
            document.serial_job_count = len(document.sudo().serial_job_ids)

    @api.depends("serial_lot_ids")
    def _compute_serial_lot_count(self):
        for document in self:
            document.serial_lot_count = len(document.serial_lot_ids)

    @api.depends("serial_picking_ids")
    def _compute_serial_picking_count(self):
        for document in self:
            document.serial_picking_count = len(document.serial_picking_ids)

    @api.depends("state", "serial_job_ids.state")
    def _compute_serial_can_generate(self):
        for document in self:
            document.serial_can_generate = bool(
                document.id
                and document._serial_document_error() is None
                and not document._serial_running_jobs()
                # Sudo: readers of the document without stock rights see it too.
                and document.sudo()._serial_has_remaining()
            )

    @api.depends("state", "serial_job_ids.state", "serial_lot_ids")
    def _compute_serial_covered_note(self):
        """Generate Serial # disappears once every tracked line has its
        serials; where the addon gave none of them, the user should know
        why the button is gone."""
        for document in self:
            # Sudo: as serial_can_generate, for readers without stock rights
            sudo = document.sudo()
            document.serial_covered_note = (
                document._serial_covered_note()
                if document.id
                and not document.serial_lot_ids
                and document._serial_document_error() is None
                and not document._serial_running_jobs()
                and sudo._serial_source_lines()
                and not sudo._serial_has_remaining()
                else False
            )

    def _search_serial_can_generate(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Serials to Generate."))
        candidates = self.search(self._serial_candidate_domain())
        ids = candidates.filtered("serial_can_generate").ids
        return [("id", "in" if (operator == "=") == value else "not in", ids)]

    def _serial_candidate_domain(self):
        """A domain of the documents where Generate Serial # may apply, for
        the filter Serials to Generate; each is checked afterwards."""
        return []

    @api.depends(lambda self: ("serial_lot_ids", *self._serial_reverse_depends))
    def _compute_serial_can_reverse(self):
        for document in self:
            document.serial_can_reverse = bool(
                document.id
                and document._serial_is_reversible()
                and (
                    (
                        document._serial_lines_to_reverse()
                        and self.env["serial.reversal"]
                        ._returnable_lines(document)
                        .returnable
                    )
                    or document._serial_retrieved_lots()
                )
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
                document.serial_job_progress = job._progress_text()
            elif job.state == "failed" and job._operation()._serial_stopped_banner(
                job, document.sudo()
            ):
                document.serial_job_progress = job._stopped_text()
            else:
                document.serial_job_progress = False

    @api.ondelete(at_uninstall=False)
    def _unlink_serial_jobs(self):
        """A deleted document takes its generations with it: they refer to it
        by model and id, which no foreign key deletes."""
        # Sudo: users read generations, only the addon writes them.
        self.sudo().serial_job_ids.unlink()

    def _serial_has_remaining(self):
        """Whether some eligible line still lacks serials."""
        self.ensure_one()
        for source in self._serial_source_lines():
            total, serialized = source._serial_quantities(self)
            rounding = source.product_id.uom_id.rounding
            if float_compare(total, serialized, precision_rounding=rounding) > 0:
                return True
        return False

    def _serial_running_jobs(self):
        # Sudo: whether a job runs decides what the document offers, to
        # readers without Inventory rights too; the jobs are not returned.
        return self.sudo().serial_job_ids.filtered(lambda job: job.state == "queued")

    def _serial_source_lines(self):
        """The document lines the wizard offers."""
        self.ensure_one()
        return self[self._serial_lines_field].filtered(
            lambda line: line._serial_is_eligible(self)
        )

    # Hooks of the concrete model ------------------------------------------------

    def _serial_document_error(self):
        """Why Generate Serial # does not apply to this document (its type or
        state), or None."""
        raise NotImplementedError()

    def _serial_default_location(self):
        """Where the generated serials go unless the user picks another."""
        raise NotImplementedError()

    def _serial_covered_note(self):
        """What the document says when its tracked lines got all their
        serials without Generate Serial #."""
        self.ensure_one()
        return self.env._(
            "Every tracked unit of %(document)s has its serial number already: "
            "Generate Serial # has nothing left to do.",
            document=self.display_name,
        )

    def _serial_location_error(self, location):
        """Why the items of this document cannot go into ``location`` (an
        active internal location of its company), or None."""
        return None

    def _serial_destination_note(self, location):
        """The wizard's sentence on what OK does with the items, and where
        they go: ``location``."""
        self.ensure_one()
        return self.env._(
            "The items go into %(location)s.", location=location.display_name
        )

    def _serial_open_transfers(self, job, location):
        """Give every line of the generation ``job`` the move that brings
        its units into ``location`` (``job_line.move_id``), once, when the
        job is recorded: its chunks only fill them. By default receipts of
        the document's own (see "Receipts" below), as a credit note has."""
        self._serial_open_receipts(job.with_env(self.env), location)

    def _serial_receive(self, lines, lots, location, validate):
        """Bring the new ``lots`` (one recordset per line) and the attached
        ones of the plan ``lines`` into ``location``: by default with the
        document's receipts, and do them (the retrieved ones are in our
        stock already); a document that is a transfer receives them
        itself."""
        moving = [
            (line, line_lots)
            for line, line_lots in zip(lines, lots, strict=True)
            if line.moved_quantity
        ]
        if not moving:
            return self.env["stock.picking"]
        chunk = self.env["stock.move"]._serial_bring_in(*zip(*moving, strict=True))
        chunk._serial_done_in_chunk()
        return chunk.picking_id

    def _serial_retrieve(self, lines):
        """Take the ``retrieved`` return lines of plan ``lines`` as received.
        Only credit notes retrieve: a return brings its serials in itself."""
        return None

    def _serial_is_reversible(self):
        """Whether the document's type and state allow a reversal."""
        return False

    def _serial_retrieved_lots(self):
        """The serials the document took as received without moving them."""
        return self.env["stock.lot"]

    def _serial_release_retrieved(self):
        """Let go of the retrieved serials; return them."""
        return self.env["stock.lot"]

    def _serial_job_stopped(self, job):
        """``job`` stopped before its end: leave its transfers as they must
        stay; return what to tell the document's chatter about them. By
        default its receipts are validated with what came in, and the rest
        of them cancelled, as Odoo's validation without backorder does."""
        return job._close_transfers()

    def _serial_receipt_vals(self):
        """What the document's receipts carry of this document:
        its link, and the partner they come from (the document's by
        default)."""
        self.ensure_one()
        return {"serial_res_model": self._name, "serial_res_id": self.id}

    def _serial_returns_deliveries(self):
        """Whether the units a delivery explains come back chained to it, as
        with Odoo's Return (a credit note's, a customer return's), so that
        the sale, the valuation and what Odoo's Return still offers follow;
        a document that receives them on a move of its own says no."""
        return True

    def _serial_offers_validation(self):
        """Whether OK may leave the document's own transfer to validate (the
        wizard's option Validate the transfer)."""
        return False

    def _serial_origin(self):
        """``(key, label)``: what the serials generated on this kind of
        document are generated for (``stock.lot.serial_origin``)."""
        return (self._name, self._description)

    def _serial_check_credited(self, lots, at_customer=None):
        """Refuse known ``lots`` that another document of this kind already
        took for the same stay at the customer (a credit note never credits
        a unit twice); by default a document takes any. ``at_customer``:
        the units of ``lots`` at customers, when the caller has them
        (``serial.attach._customer_quantities``)."""
        return None

    def _serial_chunk_source(self, job_line):
        """The document line a chunk of ``job_line`` is checked against."""
        return job_line._source()

    def _serial_transfers(self):
        """The done transfers that brought the generated serials in."""
        return self.env["stock.picking"]

    def _serial_lines_to_reverse(self):
        """The done move lines that brought generated serials in and that no
        return has sent back yet."""
        self.ensure_one()
        moves = self._serial_transfers().move_ids.filtered(
            lambda move: move.state == "done"
        )
        returned = {
            (line.move_id.origin_returned_move_id, line.lot_id)
            for line in moves.returned_move_ids.filtered(
                lambda move: move.state == "done"
            ).move_line_ids
        }
        generated = self.serial_lot_ids
        return moves.move_line_ids.filtered(
            lambda line: line.lot_id in generated
            and (line.move_id, line.lot_id) not in returned
        )

    # Receipts: how a document with no transfer of its own brings goods in ----
    # (a credit note: Odoo never moves stock from a credit note)
    #
    # Units that Odoo delivered come back exactly as Odoo's own Return of their
    # delivery would bring them: one receipt per delivery, made and filled by
    # Odoo's return wizard (stock.return.picking), so that the moves are
    # chained to the delivery (origin_returned_move_id, move_orig_ids), lower
    # the sale's delivered quantity (to_refund) and are valued as returns; and
    # so that what Odoo's Return still offers, the sale and the valuation are
    # what Odoo computes. Units that no delivery explains (sold before Odoo,
    # or never delivered) come in with a receipt of their own, which touches
    # no sale.
    #
    # A generation opens its receipts once, with one open move per line of the
    # generation for all it brings, left draft so that lowering its demand
    # chunk after chunk logs nothing. Each chunk brings its lots with moves of
    # their own taken from that demand and done at once; the chunk that brings
    # the last of a receipt validates it. A generation small enough to run at
    # once is one chunk: its lots go on the open moves, validated together.
    # The document says what its receipts carry (_serial_receipt_vals), its
    # lines what their moves carry (_serial_receipt_move_vals).

    def _serial_open_receipts(self, job, location):
        """Give every line of ``job`` that brings units an open move on a
        receipt: one receipt per delivery the units come back from, and one
        for the units no delivery explains; one open move per document line
        and delivery move, which the job's lines for them share."""
        self.ensure_one()
        pending = job.line_ids.filtered(
            lambda line: line.kind != "retrieve" and not line.move_id
        )
        for delivery, by_delivery in pending.grouped(
            lambda line: line.origin_move_id.picking_id
        ).items():
            groups = list(
                by_delivery.grouped(
                    lambda line: (
                        line.source_model,
                        line.source_id,
                        line.origin_move_id,
                    )
                ).items()
            )
            if delivery:
                wizard = self.env["stock.return.picking"]._serial_for(delivery)
                _picking, moves = wizard._serial_create_return(
                    [
                        dict(
                            wizard._serial_prepare_line_vals(
                                job_lines.origin_move_id, _units(job_lines)
                            ),
                            **_source(job_lines)._serial_receipt_move_vals(self),
                        )
                        for _key, job_lines in groups
                    ],
                    self._serial_prepare_receipt_vals(location, wizard),
                )
                moves = moves.with_env(self.env)
            else:
                picking = self._serial_create_receipt(location)
                # Sudo: see _serial_create_receipt.
                moves = (
                    self.env["stock.move"]
                    .sudo()
                    .create(
                        [
                            self._serial_prepare_receipt_move_vals(picking, job_lines)
                            for _key, job_lines in groups
                        ]
                    )
                    .with_env(self.env)
                )
            for (_key, job_lines), move in zip(groups, moves, strict=True):
                # Sudo: users read generations, only the addon writes them.
                job_lines.sudo().move_id = move

    def _serial_create_receipt(self, location):
        """A receipt of the customer's into ``location``."""
        # Sudo: the receipt and its moves carry the links to the document
        # that only the addon may set (field_guard); the user's checks ran in
        # serial.generator, and the records are used as the user below.
        return (
            self.env["stock.picking"]
            .sudo()
            .create(self._serial_prepare_receipt_vals(location))
            .with_env(self.env)
        )

    def _serial_prepare_receipt_vals(self, location, wizard=None):
        """The values of a receipt of this document into ``location``: what
        differs from Odoo's Return of ``wizard``'s delivery, or a receipt
        from the customer; and the document's own (``_serial_receipt_vals``)."""
        self.ensure_one()
        warehouse = location.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        own = self._serial_receipt_vals()
        if wizard:
            # over Odoo's Return's own values (_prepare_picking_default_values)
            vals = {"location_dest_id": location.id}
            picking_type = warehouse.serial_picking_type_id
            if picking_type:
                vals["picking_type_id"] = picking_type.id
            own.pop("partner_id", None)  # the delivery's, as Odoo's Return
            return dict(vals, **own)
        partner = self.env["res.partner"].browse(
            own.pop("partner_id", self.partner_id.id)
        )
        return {
            "partner_id": partner.id,
            "picking_type_id": (
                warehouse.serial_picking_type_id or warehouse.in_type_id
            ).id,
            "location_id": partner.with_company(
                self.company_id
            ).property_stock_customer.id,
            "location_dest_id": location.id,
            "origin": self.display_name,
            "company_id": self.company_id.id,
            **own,
        }

    def _serial_prepare_receipt_move_vals(self, picking, job_lines):
        """An open move for the units of ``job_lines`` (of one document line)
        that no delivery explains."""
        product = job_lines.product_id
        return {
            "product_id": product.id,
            "product_uom_qty": _units(job_lines),
            "product_uom": product.uom_id.id,
            "picking_id": picking.id,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "partner_id": picking.partner_id.id,
            "origin": picking.origin,
            "company_id": picking.company_id.id,
            "picking_type_id": picking.picking_type_id.id,
            # what nobody delivered changes no sale
            "to_refund": False,
            **_source(job_lines)._serial_receipt_move_vals(self),
        }

    # Actions -------------------------------------------------------------------

    def action_generate_serial(self):
        """Open the Generate Serial # wizard on this document; where it does
        not apply (the Action menu offers it on every document of the
        model), say why in a notification."""
        self.ensure_one()
        check = self.env["serial.generator"]
        check._check_access(self)
        refusal = self._serial_generate_refusal()
        if refusal:
            return self._serial_notification(self.env._("Generate Serial #"), refusal)
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
                # room for every column of the lines, headers uncut
                "dialog_size": "extra-large",
            },
        }

    def action_view_serial_pickings(self):
        """The transfers that Generate Serial # made, as a sale order shows
        its deliveries."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        pickings = self.serial_picking_ids
        if len(pickings) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=pickings.id)
        else:
            action["domain"] = [("id", "in", pickings.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_serial_jobs(self):
        """The generations of the document (Configuration > Serial
        Generations): the one, or the list of them, with their progress,
        serials and transfers."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "everest_serial_gen.serial_generation_job_action"
        )
        jobs = self.serial_job_ids
        if len(jobs) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=jobs.id)
        else:
            action["domain"] = [("id", "in", jobs.ids)]
        return action

    def action_view_serials(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_production_lot_form"
        )
        name = self.env._("Serial Numbers of %(document)s", document=self.display_name)
        action.update(
            name=name,
            display_name=name,
            domain=[("id", "in", self.serial_lot_ids.ids)],
            context={"create": False, "search_default_group_by_product": 1},
        )
        return action

    def _serial_generate_refusal(self):
        """Why Generate Serial # does not apply to this document now, or None."""
        self.ensure_one()
        try:
            self.env["serial.generator"]._check_generatable(self)
        except UserError as error:
            return str(error)
        if not self._serial_has_remaining():
            return self.env["serial.generator"]._nothing_left_message(self)
        return None

    def _serial_reverse_refusal(self):
        """Why Reverse Serial Generation does not apply to this document
        now, or None."""
        self.ensure_one()
        if not self._serial_is_reversible() or not (
            self.serial_lot_ids or self._serial_retrieved_lots()
        ):
            return self.env._(
                "%(document)s has no serial generation to reverse: Reverse Serial "
                "Generation applies to credit notes and customer returns whose "
                "serials Generate Serial # brought in.",
                document=self.display_name,
            )
        return None

    @api.model
    def _serial_notification(self, title, message, kind="warning", **params):
        """Odoo's notification, the one way the addon builds them: for an
        action of the Action menu that does not apply to the document it was
        run on (Odoo cannot hide a bound action per record), and for what an
        action did (``kind`` "success" or "info"; ``params``: ``next``,
        ``sticky``).

        19.0 prints the title and the message on one line, "Title.
        Message", 18.0 the title above the message: the message never
        repeats the title. One that names the action already (a refusal
        that says what the action applies to) goes without it."""
        if title and title in message:
            title = False
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": dict(params, type=kind, title=title, message=message),
        }

    def action_reverse_serial_generation(self):
        """Send the generated serials still in place back to the customer,
        with validated returns; say what was sent and what was left, in
        success style unless some serials stay where they are now."""
        self.env["serial.generator"]._check_access(self[:1])
        title = self.env._("Reverse Serial Generation")
        refusals = [
            refusal
            for document in self
            if (refusal := document._serial_reverse_refusal())
        ]
        if refusals:
            return self._serial_notification(title, " ".join(refusals))
        Reversal = self.env["serial.reversal"]
        messages, left = [], False
        for document in self:
            document._serial_check_has_serials()
            job = self.env["serial.generation.job"]._serial_submit(
                Reversal, document, None
            )
            operation = job._operation()
            message = " ".join(
                filter(
                    None,
                    [
                        operation._serial_queued_message(job)
                        if job.state == "queued"
                        else operation._serial_done_message(job),
                        job.note,
                    ],
                )
            )
            left = left or bool(Reversal._returnable_lines(document).left)
            if message and len(self) > 1:
                # several documents: each says which it is
                message = self.env._(
                    "%(document)s: %(message)s",
                    document=document.display_name,
                    message=message,
                )
            messages.append(message)
        return self._serial_notification(
            title,
            " ".join(filter(None, messages)),
            kind="warning" if left else "success",
            sticky=left,
            next={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def action_print_serial_labels(self):
        """Print the labels of the generated serials with Odoo's lot labels."""
        self.ensure_one()
        self.env["serial.generator"]._check_access(self)
        if not self.serial_lot_ids:
            return self._serial_notification(
                self.env._("Print Serial Labels"),
                self.env._(
                    "%(document)s has no serial numbers from Generate Serial # to "
                    "print.",
                    document=self.display_name,
                ),
            )
        return self.serial_lot_ids.action_print_serial_labels()

    def _serial_check_has_serials(self):
        """The Action menu offers the server actions on every document:
        refuse clearly where Generate Serial # created nothing."""
        self.ensure_one()
        self.env["serial.generator"]._check_access(self)
        if not self.serial_lot_ids:
            raise UserError(
                self.env._(
                    "%(document)s has no generated serials.",
                    document=self.display_name,
                )
            )

    @api.model
    def _serial_document_models(self):
        """The models of the documents that have Generate Serial #."""
        return [
            self.env[name]
            for name in self.env.registry[self._name]._inherit_children
            if not self.env[name]._abstract
        ]


def _units(job_lines):
    """The units (product unit) ``job_lines`` bring in."""
    return sum(line.count * line.lot_quantity for line in job_lines)


def _source(job_lines):
    """The document line ``job_lines`` bring units for."""
    line = job_lines[:1]
    return line.env[line.source_model].browse(line.source_id)
