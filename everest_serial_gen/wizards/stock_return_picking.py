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

    def _serial_create_return(self, lines_vals, picking_vals):
        """Odoo's ``_create_return`` of ``lines_vals`` (values of the
        wizard's lines, in place of its own), the return's values extended
        with ``picking_vals`` (``_prepare_picking_default_values``), its
        moves confirmed without lines: what comes back is given its lines
        later, exactly (``stock.move._serial_fill``), or chunk by chunk.
        Returns the return and its moves, one per line, in order."""
        self.ensure_one()
        self.product_return_moves = [fields.Command.clear()] + [
            fields.Command.create(dict(vals, wizard_id=self.id)) for vals in lines_vals
        ]
        picking = self.with_context(
            serial_reserves_itself=True, serial_return_picking_vals=picking_vals
        )._create_return()
        return picking, picking.move_ids.sorted("id")

    def _prepare_picking_default_values(self):
        """Odoo's values of the return, and those Generate Serial # gives it
        (``serial_return_picking_vals``: where the goods go, the document it
        is made for)."""
        vals = super()._prepare_picking_default_values()
        vals.update(self.env.context.get("serial_return_picking_vals") or {})
        return vals

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
