import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..tools.field_guard import check_addon_fields

_logger = logging.getLogger(__name__)

# The links that the guards against losing stock rest on: the addon only.
SERIAL_LINK_FIELDS = (
    "serial_lot_ids",
    "serial_res_model",
    "serial_res_id",
    "serial_job_held",
)
# What a user may not change on a transfer a background job fills
JOB_HELD_FIELDS = {
    "move_ids",
    "move_ids_without_package",
    "move_line_ids",
    "location_id",
    "location_dest_id",
    "picking_type_id",
    "state",
}


class StockPicking(models.Model):
    """Generate Serial # on customer returns (Everest's credit orders): an
    incoming transfer whose source is a customer location, made with Odoo's
    Return button or entered by hand."""

    _name = "stock.picking"
    _inherit = ["stock.picking", "serial.generate.mixin"]
    _serial_lines_field = "move_ids"
    _serial_reverse_depends = ("state", "move_ids.returned_move_ids.state")

    serial_lot_ids = fields.Many2many(
        "stock.lot",
        "stock_picking_serial_lot_rel",
        "picking_id",
        "lot_id",
        string="Serial Numbers",
        readonly=True,
        copy=False,
        check_company=True,
        help="The serial numbers that Generate Serial # created on this transfer.",
    )
    # the document whose Generate Serial # made this transfer (a credit
    # note's receipt, a return of it), whatever its model, as mail.activity
    # refers to its record
    serial_res_model = fields.Char(
        string="Serial Document Model", readonly=True, copy=False, index=True
    )
    serial_res_id = fields.Many2oneReference(
        string="Serial Document ID",
        model_field="serial_res_model",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    serial_document_name = fields.Char(
        string="Generated For",
        compute="_compute_serial_document_name",
        help="The document whose Generate Serial # made this transfer.",
    )
    serial_job_held = fields.Boolean(
        string="Filled in the Background",
        readonly=True,
        copy=False,
        help="A background job (Reverse, Send to Vendor, Receive from Vendor) "
        "fills this transfer chunk by chunk; it is the job's until the job "
        "ends.",
    )

    @api.depends("serial_res_model", "serial_res_id")
    def _compute_serial_document_name(self):
        for picking in self:
            document = picking._serial_document()
            # Sudo: the name of the document, for readers of the transfer
            # who may not read it (a storekeeper, a credit note)
            picking.serial_document_name = (
                document.sudo().display_name if document else False
            )

    def _serial_document(self):
        """The document whose Generate Serial # made this transfer, or None."""
        self.ensure_one()
        documents = {
            model._name
            for model in self.env["serial.generate.mixin"]._serial_document_models()
        }
        if self.serial_res_model not in documents or not self.serial_res_id:
            return None
        return self.env[self.serial_res_model].browse(self.serial_res_id).exists()

    def action_open_serial_document(self):
        self.ensure_one()
        document = self._serial_document()
        if not document:
            raise UserError(self.env._("The document of this transfer was deleted."))
        document.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
        }

    def _create_backorder(self, backorder_moves=None):
        """A backorder of a transfer that Generate Serial # made is the same
        document's, and the same job's while one fills it: it carries on
        with the rest of its units."""
        backorders = super()._create_backorder(backorder_moves=backorder_moves)
        for backorder in backorders.filtered(
            lambda picking: picking.backorder_id.serial_res_model
            or picking.backorder_id.serial_job_held
        ):
            origin = backorder.backorder_id
            # Sudo: only the addon writes the link and the hold (field_guard).
            backorder.sudo().write(
                {
                    "serial_res_model": origin.serial_res_model,
                    "serial_res_id": origin.serial_res_id,
                    "serial_job_held": origin.serial_job_held,
                }
            )
            if origin.serial_res_model in self.env:
                # the ORM keeps no inverse of a reference: the document's
                # transfers are read again
                self.env[origin.serial_res_model].invalidate_model(
                    ["serial_picking_ids"]
                )
        return backorders

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(SERIAL_LINK_FIELDS).intersection(vals) for vals in vals_list
        ):
            check_addon_fields(self, vals_list, SERIAL_LINK_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(SERIAL_LINK_FIELDS).intersection(vals):
            check_addon_fields(self, [vals], SERIAL_LINK_FIELDS)
        if JOB_HELD_FIELDS.intersection(vals):
            self._serial_check_not_in_job()
        return super().write(vals)

    # Hooks of serial.generate.mixin --------------------------------------------

    def _serial_offers_validation(self):
        return True

    def _serial_origin(self):
        return ("return", self.env._("Customer Return"))

    def _serial_document_error(self):
        self.ensure_one()
        if self.picking_type_code != "incoming" or not (
            self.location_id.usage == "customer" or self._serial_entered_by_hand()
        ):
            return self.env._(
                "Generate Serial # only applies to receipts from a customer, "
                "not to %(document)s. Set its Receive From to the customer.",
                document=self.display_name,
            )
        if self.state in ("done", "cancel"):
            return self.env._(
                "%(document)s is done or cancelled: serial numbers cannot be "
                "generated on it.",
                document=self.display_name,
            )
        return None

    def _serial_default_location(self):
        self.ensure_one()
        return (
            self.picking_type_id.warehouse_id.serial_out_location_id
            or self.company_id.serial_out_location_id
        )

    def _serial_candidate_domain(self):
        return [
            ("picking_type_code", "=", "incoming"),
            ("location_id.usage", "in", ("customer", "supplier")),
            ("state", "not in", ("done", "cancel")),
            ("move_ids.product_id.tracking", "in", ("serial", "lot")),
        ]

    def _serial_entered_by_hand(self):
        """Whether this is a customer's return entered by hand on Odoo's
        Receipts: a receipt to do from a vendor location (where the Receipts
        form puts it: 19.0 shows no source, 18.0 only with Storage
        Locations), received from a partner who is no vendor, or a customer
        too. Generate Serial # receives it from the customer
        (``_serial_receive_from_customer``), rather than ask the user for an
        operation type of returns, which Odoo does not have."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return bool(
            self.picking_type_code == "incoming"
            and self.location_id.usage == "supplier"
            and self.state not in ("done", "cancel")
            and partner
            and (partner.customer_rank or not partner.supplier_rank)
        )

    def _serial_customer_location(self):
        """Where this receipt's customer's goods come from: the partner's
        customer location, as Odoo's deliveries to the partner go there."""
        self.ensure_one()
        return self.partner_id.with_company(self.company_id).property_stock_customer

    def _serial_receive_from_customer(self):
        """Receive this receipt entered by hand from its customer: its source
        and its moves' (Odoo's write of the transfer changes both, and
        reserves again what no longer fits)."""
        self.ensure_one()
        self.location_id = self._serial_customer_location()

    def _serial_chunk_source(self, job_line):
        """Once routed, a generation line's units are the demand of the move
        that brings them in (``_serial_route``): its later chunks are
        checked against that move."""
        move = job_line.move_id
        if move and move.state not in ("done", "cancel"):
            return move
        return job_line._source()

    def button_validate(self):
        self._serial_check_not_in_job()
        return super().button_validate()

    def action_confirm(self):
        self._serial_check_not_in_job()
        return super().action_confirm()

    def action_assign(self):
        self._serial_check_not_in_job()
        return super().action_assign()

    def action_cancel(self):
        self._serial_check_not_in_job()
        return super().action_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_serial_job(self):
        self._serial_check_not_in_job()

    def _serial_check_not_in_job(self):
        """A transfer that a background job fills chunk by chunk (Reverse,
        Send to Vendor, Receive from Vendor: serial.chunked.transfer) is the
        job's until it ends: validated, confirmed, reserved, cancelled or
        deleted meanwhile, it would take other serials than the job's, or
        leave the job without its moves. Cancel the job to stop it."""
        held = self.filtered("serial_job_held")
        if not held or self.env.context.get("serial_job_running"):
            return
        raise UserError(
            self.env._(
                "%(transfer)s is being filled in the background: %(progress)s "
                "Wait until it is done, or cancel the job from Serial "
                "Generations.",
                transfer=held[:1].display_name,
                progress=held[:1]._serial_holding_job()._progress_text(),
            )
        )

    def _serial_holding_job(self):
        """The queued background job that fills this transfer."""
        self.ensure_one()
        # Sudo: users read generations, the transfer's banner shows it to all.
        return (
            self.env["serial.generation.job.line"]
            .sudo()
            .search(
                [
                    ("move_id.picking_id", "=", self.id),
                    ("job_id.state", "=", "queued"),
                ],
                limit=1,
            )
            .job_id
        )

    def _compute_serial_job_progress(self):
        """A transfer a job fills shows the job's progress, whatever the
        job's document (a credit note's reversal fills a return)."""
        result = super()._compute_serial_job_progress()
        for picking in self.filtered("serial_job_held"):
            job = picking._serial_holding_job()
            if job:
                picking.serial_job_progress = job._progress_text()
        return result

    def _serial_job_stopped(self, job):
        """A return cancelled while its serials were generated in the
        background keeps no serial that never held stock: Odoo's own
        Generate Serials creates lots only when the transfer is done."""
        if self.state != "cancel":
            return None
        # Sudo: the runner removes what its own job created, whoever
        # cancelled the return; lots with any stock or history stay.
        lots = job.sudo().lot_ids
        used = {
            lot
            for model in ("stock.quant", "stock.move.line")
            for (lot,) in self.env[model]
            .sudo()
            ._read_group([("lot_id", "in", lots.ids)], ["lot_id"])
        }
        lots = lots.filtered(lambda lot: lot not in used)
        if not lots:
            return None
        names = ", ".join(lots.mapped("name"))
        lots.unlink()
        return self.env._(
            "%(document)s was cancelled: the serials generated for it never "
            "held stock and were removed (%(serials)s).",
            document=self.display_name,
            serials=names,
        )

    def _serial_destination_note(self, location):
        self.ensure_one()
        note = ""
        if self._serial_entered_by_hand():
            note = (
                self.env._(
                    "%(document)s comes from %(vendors)s: OK receives it from "
                    "%(customer)s, as a return of %(partner)s.",
                    document=self.display_name,
                    vendors=self.location_id.display_name,
                    customer=self._serial_customer_location().display_name,
                    partner=self.partner_id.display_name,
                )
                + " "
            )
        note += self.env._(
            "OK adds the serials to %(document)s and puts the items into "
            "%(location)s (the Out location for returns).",
            document=self.display_name,
            location=location.display_name,
        )
        if location != self.location_dest_id:
            note += " " + self.env._(
                "Not into %(receipt)s, which the receipt shows.",
                receipt=self.location_dest_id.display_name,
            )
        return note

    def _serial_receive(self, lines, lots, location, validate=True):
        """Give the moves of the plan ``lines`` (a chunk of one generation)
        their lines, as Odoo's assignment makes them, numbered with the new
        ``lots`` (``stock.move._serial_fill``), in place of the lines
        without a lot that Odoo's reservation made; then validate when asked
        and every move is covered."""
        self.ensure_one()
        moving = [
            (line, line_lots)
            for line, line_lots in zip(lines, lots, strict=True)
            if line.moved_quantity
        ]
        if moving:
            self.env["stock.move"]._serial_bring_in(*zip(*moving, strict=True))
        if validate:
            self._serial_validate()
        return self

    def _serial_open_transfers(self, job, location):
        """The return receives its own units: each line of ``job`` gets the
        move of this transfer that brings them into ``location``, once
        (``_serial_route``)."""
        self.ensure_one()
        if self._serial_entered_by_hand():
            self._serial_receive_from_customer()
        if self.state == "draft":
            self.action_confirm()
        self._serial_route(job.with_env(self.env), location)

    def _serial_route(self, job, location):
        """Give every line of ``job`` the move that brings its units into
        ``location``, once, for all its chunks: attached serials that Odoo
        delivered come back with a move that Odoo's Return makes from their
        delivery, taken from the demand of the return's own move, unless
        that move returns their delivery already; the other units go with
        the return's move, or a split of it, into ``location``."""
        pending = job.line_ids.filtered(
            lambda line: line.kind != "retrieve" and not line.move_id
        )
        if not pending:
            return
        # units that a delivery explains come back with a return of it, but
        # where the move the user entered is that return already (Odoo's
        # Return made it): that move brings them
        returned = pending.filtered(
            lambda line: line.origin_move_id
            and line._source().origin_returned_move_id != line.origin_move_id
        )
        for source, job_lines in returned.grouped(lambda line: line._source()).items():
            self._serial_route_returned(source, job_lines, location)
        for source, job_lines in (
            (pending - returned).grouped(lambda line: line._source()).items()
        ):
            units = sum(line._units_left() for line in job_lines)
            source._serial_release_unlotted_lines(units)
            move = source._serial_move_into(location, units)
            # Sudo: users read generations, only the addon writes them.
            job_lines.sudo().move_id = move

    def _serial_route_returned(self, source, job_lines, location):
        """Odoo's Return of each delivery makes the moves of ``job_lines``
        on this transfer, chained to the delivery moves they return, as if
        the customer's receipt had been made with it; ``source``, the move
        the user entered, keeps the rest of its demand."""
        made = self.env["stock.move"]
        for delivery, group in job_lines.grouped(
            lambda line: line.origin_move_id.picking_id
        ).items():
            wizard = self.env["stock.return.picking"]._serial_for(delivery)
            for job_line in group:
                move = wizard._serial_return_move(
                    self.sudo(), job_line.origin_move_id, job_line._units_left()
                ).with_env(self.env)
                move.write(
                    {"location_dest_id": location.id, "location_final_id": False}
                )
                # Sudo: users read generations, only the addon writes them.
                job_line.sudo().move_id = move
                made |= move
        units = sum(line._units_left() for line in job_lines)
        source._serial_release_unlotted_lines(units)
        rounding = source.product_id.uom_id.rounding
        left = source.product_qty - units
        if float_compare(left, 0, precision_rounding=rounding) > 0:
            source.product_uom_qty = source.product_id.uom_id._compute_quantity(
                left, source.product_uom
            )
        else:
            source._action_cancel()
        # confirmed without lines: each chunk's move gets those of its own
        # serials from Odoo's assignment (stock.move._serial_fill)
        made.with_context(serial_reserves_itself=True)._action_confirm(merge=False)

    def _serial_validate(self):
        """Validate when every move is covered, with serials where tracked;
        otherwise leave the transfer ready and say why in its chatter."""
        missing = self.move_ids.filtered(
            lambda move: move._serial_missing_quantity() > 0
        )
        if missing:
            self._message_log(
                body=self.env._(
                    "The transfer was not validated: %(products)s still lack "
                    "serial numbers or quantities.",
                    products=", ".join(missing.product_id.mapped("display_name")),
                ),
            )
            return False
        self.move_ids.filtered(lambda move: move.state != "cancel").picked = True
        self._serial_validate_done()
        return True

    def _serial_validate_done(self):
        """Validate with Odoo's button, and make sure it is done.

        The button may answer with a dialog instead of validating: the
        one-time SMS notice of stock_sms (which Odoo's test mode skips), a
        backorder question, or another module's. What the addon validates is
        complete, so it declines the SMS notice and the backorder; any other
        dialog, or a transfer still not done, is an error, never a success.
        """
        self.with_context(
            skip_sms=True,
            skip_backorder=True,
            picking_ids_not_to_backorder=self.ids,
            # the batches of stock_move_line.py, where they give Odoo's result
            serial_batch=True,
        ).button_validate()
        self._serial_check_done()

    def _serial_check_done(self):
        not_done = self.filtered(lambda picking: picking.state != "done")
        if not_done:
            raise UserError(
                self.env._(
                    "%(transfers)s could not be validated: validate it from its "
                    "form to see why, then try again.",
                    transfers=", ".join(not_done.mapped("display_name")),
                )
            )

    def _serial_close(self):
        """Validate what each of these open transfers moved and cancel the
        rest, as Odoo's validation without backorder does (a background job
        stopped before its end); return what became of each, for the
        chatter."""
        notes = []
        for picking in self:
            if not picking.move_ids.filtered(lambda move: move.state == "done"):
                # nothing moved with it: Odoo's validation would refuse it
                picking.action_cancel()
                notes.append(
                    self.env._(
                        "%(transfer)s is cancelled: nothing moved with it.",
                        transfer=picking.display_name,
                    )
                )
                continue
            try:
                with self.env.cr.savepoint():
                    picking.with_company(picking.company_id).with_context(
                        cancel_backorder=True
                    )._action_done()
                    picking._serial_check_done()
            except (UserError, ValidationError) as error:
                _logger.warning("Transfer %s not closed", picking.id, exc_info=True)
                notes.append(
                    self.env._(
                        "%(transfer)s stays open: %(error)s",
                        transfer=picking.display_name,
                        error=error,
                    )
                )
                continue
            notes.append(
                self.env._(
                    "%(transfer)s is done with what it moved; the rest of it is "
                    "cancelled.",
                    transfer=picking.display_name,
                )
            )
        return notes

    # Reversal ----------------------------------------------------------------

    def _serial_is_reversible(self):
        self.ensure_one()
        return self.state == "done"

    def _serial_transfers(self):
        return self.filtered(lambda picking: picking.state == "done")

    def _serial_return_lines(self, lines):
        """Send ``lines`` (done move lines of this transfer) back with Odoo's
        return wizard: its return moves, holding exactly these serials,
        validated."""
        self.ensure_one()
        wizard = self._serial_return_wizard(lines)
        # Odoo would reserve what it finds of the products: reserve exactly
        # the serials asked for, where these lines put them
        returned = wizard.with_context(serial_reserves_itself=True)._create_return()
        # the flag was for Odoo's reservation of the return only: the moves
        # its validation chains (a 2-step route's next step) reserve as usual
        returned = returned.with_context(serial_reserves_itself=False)
        # each return move takes the serials of the move it returns: a
        # transfer may have several moves of a product
        by_move = lines.grouped("move_id")
        missing = False
        for move in returned.move_ids:
            origin_lines = by_move[move.origin_returned_move_id]
            quantities = self.env["stock.quant"]._serial_quants_of(origin_lines)
            missing = missing or len(quantities) != len(origin_lines)
            missing = missing or move._serial_reserve_quants(quantities)
        if missing:
            raise UserError(
                self.env._(
                    "%(transfer)s cannot be returned as it came in: some of its "
                    "serial numbers are no longer where it put them, or another "
                    "transfer holds them.",
                    transfer=self.display_name,
                )
            )
        returned.move_ids.picked = True
        returned._serial_validate_done()
        return returned

    def _serial_open_return_of(self, lines):
        """The return of ``lines`` (done move lines of this transfer) as
        Odoo's return wizard makes it, its moves confirmed without lines for
        a background job to bring back chunk by chunk."""
        self.ensure_one()
        return (
            self._serial_return_wizard(lines)
            .with_context(serial_reserves_itself=True)
            ._create_return()
            .with_context(serial_reserves_itself=False)
        )

    def _serial_return_wizard(self, lines):
        """Odoo's return wizard on this transfer, set to return ``lines``."""
        by_move = lines.grouped("move_id")
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=self.id, active_model="stock.picking")
            .create({"picking_id": self.id})
        )
        for return_line in wizard.product_return_moves:
            return_line.quantity = sum(
                line.product_uom_id._compute_quantity(
                    line.quantity, return_line.move_id.product_uom
                )
                for line in by_move.get(return_line.move_id, [])
            )
        return wizard
