from odoo import api, fields, models

from ..compat import RETURN_LINE_IN_MOVE_UNIT


class StockReturnPicking(models.TransientModel):
    """Odoo's Return builds what Generate Serial # brings back from a
    delivery, on the addon's own receipts: the moves it makes are chained
    to the delivery (``origin_returned_move_id``, ``move_orig_ids``), lower
    the sale's delivered quantity (``to_refund``) and are valued as returns,
    so that the sale, the valuation and what Odoo's Return still offers
    are what Odoo computes."""

    _inherit = "stock.return.picking"

    @api.model
    def _serial_for(self, delivery):
        """Odoo's Return wizard on ``delivery``."""
        # Sudo: the moves it makes carry links only the addon sets
        # (field_guard); the generator checked the user's rights already.
        return (
            self.sudo()
            .with_context(
                active_id=delivery.id,
                active_ids=delivery.ids,
                active_model="stock.picking",
            )
            .create({"picking_id": delivery.id})
        )

    def _serial_return_move(self, picking, move, units, **values):
        """The move that Odoo's return of ``units`` (product unit) of the
        delivery ``move`` makes on ``picking``, with ``values`` for its line
        of the wizard."""
        self.ensure_one()
        line = self.env["stock.return.picking.line"].create(
            dict(self._serial_prepare_line_vals(move, units), **values)
        )
        before = picking.move_ids
        line._process_line(picking)
        return picking.move_ids - before

    def _serial_open_return(self):
        """Odoo's ``_create_return`` but for its confirmation and
        reservation: the return transfer with a draft move per line of the
        wizard, which a background job brings back chunk by chunk
        (``serial.chunked.transfer``). Draft, so that lowering their demand
        chunk after chunk logs nothing."""
        self.ensure_one()
        for return_move in self.product_return_moves.move_id:
            return_move.move_dest_ids.filtered(
                lambda move: move.state not in ("done", "cancel")
            )._do_unreserve()
        new_picking = self.picking_id.copy(self._prepare_picking_default_values())
        new_picking.user_id = False
        new_picking.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": new_picking, "origin": self.picking_id},
            subtype_xmlid="mail.mt_note",
        )
        for return_line in self.product_return_moves:
            return_line._process_line(new_picking)
        return new_picking

    def _serial_prepare_line_vals(self, move, units):
        """The wizard's line that returns ``units`` of the delivery ``move``."""
        self.ensure_one()
        product = move.product_id
        unit = move.product_uom if RETURN_LINE_IN_MOVE_UNIT else product.uom_id
        return {
            "wizard_id": self.id,
            "move_id": move.id,
            "product_id": product.id,
            "quantity": product.uom_id._compute_quantity(units, unit),
            "to_refund": True,
        }


class StockReturnPickingLine(models.TransientModel):
    """The moves of Odoo's Return carry the document line they serve."""

    _inherit = "stock.return.picking.line"

    serial_source_model = fields.Char(string="Serial Document Line Model")
    serial_source_id = fields.Many2oneReference(
        string="Serial Document Line ID", model_field="serial_source_model"
    )

    def _prepare_move_default_values(self, new_picking):
        vals = super()._prepare_move_default_values(new_picking)
        if self.serial_source_model:
            vals.update(
                serial_source_model=self.serial_source_model,
                serial_source_id=self.serial_source_id,
            )
        return vals
