from odoo import api, models


class SerialReceipt(models.AbstractModel):
    """The receipts that bring a document's goods in, when the document has
    no transfer of its own (a credit note: Odoo never moves stock from a
    credit note).

    Units that Odoo delivered come back exactly as Odoo's own Return of
    their delivery would bring them: one receipt per delivery, made and
    filled by Odoo's return wizard (``stock.return.picking``), so that the
    moves are chained to the delivery (``origin_returned_move_id``,
    ``move_orig_ids``), lower the sale's delivered quantity (``to_refund``)
    and are valued as returns; and so that what Odoo's Return still offers,
    the sale and the valuation are what Odoo computes. Units that no
    delivery explains (sold before Odoo, or never delivered) come in with a
    receipt of their own, which touches no sale.

    A generation (``serial.generation.job``) opens its receipts once, with
    one open move per line of the generation for all it brings, left draft
    so that lowering its demand chunk after chunk logs nothing. Each chunk
    brings its lots with moves of their own taken from that demand and done
    at once; the chunk that brings the last of a receipt validates it. A
    generation small enough to run at once is one chunk: its lots go on the
    open moves, which are validated together.

    The document says what its receipts carry (``_serial_receipt_vals``),
    its lines what their moves carry (``_serial_receipt_move_vals``).
    """

    _name = "serial.receipt"
    _description = "Receipts of Generate Serial #"

    @api.model
    def receive(self, document, lines, lots, location):
        """Bring the new ``lots`` and the attached ones of the plan
        ``lines``, one chunk of a generation on ``document``, in with the
        generation's receipts, and do them; the retrieved ones are in our
        stock already."""
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

    @api.model
    def close(self, job):
        """A stopped generation's receipts are validated with what came in;
        the rest of them is cancelled, as Odoo's validation without
        backorder does. Returns what to tell the document's chatter."""
        return job._close_transfers()

    @api.model
    def open(self, document, job, location):
        """Open the receipts of the generation ``job``, once."""
        self._open_receipts(document, job.with_env(self.env), location)

    @api.model
    def _open_receipts(self, document, job, location):
        """Give every line of ``job`` that brings units an open move on a
        receipt: one receipt per delivery the units come back from, and one
        for the units no delivery explains; one open move per document line
        and delivery move, which the job's lines for them share."""
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
                                job_lines.origin_move_id, self._units(job_lines)
                            ),
                            **self._source(job_lines)._serial_receipt_move_vals(
                                document
                            ),
                        )
                        for _key, job_lines in groups
                    ],
                    self._prepare_picking_vals(document, location, wizard),
                )
                moves = moves.with_env(self.env)
            else:
                picking = self._create_receipt(document, location)
                moves = self._create_moves(
                    [
                        self._prepare_move_vals(document, picking, job_lines)
                        for _key, job_lines in groups
                    ]
                )
            for (_key, job_lines), move in zip(groups, moves, strict=True):
                # Sudo: users read generations, only the addon writes them.
                job_lines.sudo().move_id = move

    @staticmethod
    def _units(job_lines):
        """The units (product unit) ``job_lines`` bring in."""
        return sum(line.count * line.lot_quantity for line in job_lines)

    @staticmethod
    def _source(job_lines):
        """The document line ``job_lines`` bring units for."""
        line = job_lines[:1]
        return line.env[line.source_model].browse(line.source_id)

    @api.model
    def _create_receipt(self, document, location):
        """A receipt of the customer's into ``location``."""
        # Sudo: the receipt and its moves carry the links to the document
        # that only the addon may set (field_guard); the user's checks ran in
        # serial.generator, and the records are used as the user below.
        return (
            self.env["stock.picking"]
            .sudo()
            .create(self._prepare_picking_vals(document, location))
            .with_env(self.env)
        )

    @api.model
    def _create_moves(self, vals_list):
        # Sudo: see _create_receipt.
        return self.env["stock.move"].sudo().create(vals_list).with_env(self.env)

    @api.model
    def _prepare_picking_vals(self, document, location, wizard=None):
        """The values of a receipt of ``document`` into ``location``: what
        differs from Odoo's Return of ``wizard``'s delivery, or a receipt
        from the customer; and the document's own (``_serial_receipt_vals``)."""
        warehouse = location.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", document.company_id.id)], limit=1
        )
        own = document._serial_receipt_vals()
        if wizard:
            # over Odoo's Return's own values (_prepare_picking_default_values)
            vals = {"location_dest_id": location.id}
            picking_type = warehouse.serial_picking_type_id
            if picking_type:
                vals["picking_type_id"] = picking_type.id
            own.pop("partner_id", None)  # the delivery's, as Odoo's Return
            return dict(vals, **own)
        partner = self.env["res.partner"].browse(
            own.pop("partner_id", document.partner_id.id)
        )
        return {
            "partner_id": partner.id,
            "picking_type_id": (
                warehouse.serial_picking_type_id or warehouse.in_type_id
            ).id,
            "location_id": partner.with_company(
                document.company_id
            ).property_stock_customer.id,
            "location_dest_id": location.id,
            "origin": document.display_name,
            "company_id": document.company_id.id,
            **own,
        }

    @api.model
    def _prepare_move_vals(self, document, picking, job_lines):
        """An open move for the units of ``job_lines`` (of one document line)
        that no delivery explains."""
        product = job_lines.product_id
        return {
            "product_id": product.id,
            "product_uom_qty": self._units(job_lines),
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
            **self._source(job_lines)._serial_receipt_move_vals(document),
        }
