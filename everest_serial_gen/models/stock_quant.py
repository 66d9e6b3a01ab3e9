from odoo import models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _serial_quants_of(self, lines):
        """``[(quant, quantity)]``: for each done line of ``lines``, the
        quant that holds what it brought in, where it put it (its lot and
        destination; in the package and with the owner it gave, or as
        they are now), and the line's quantity in the product's unit. A
        line whose lot is no longer there has no pair."""
        # Sudo: the quants are reserved through moves, as stock does.
        quants = self.sudo().search(
            [
                ("lot_id", "in", lines.lot_id.ids),
                ("location_id", "in", lines.location_dest_id.ids),
                ("quantity", ">", 0),
            ],
            order="id",
        )
        by_place = quants.grouped(
            lambda quant: (quant.product_id, quant.location_id, quant.lot_id)
        )
        pairs = []
        for line in lines:
            there = by_place.get(
                (line.product_id, line.location_dest_id, line.lot_id), quants.browse()
            )
            as_put = there.filtered(
                lambda quant, line=line: quant.package_id == line.result_package_id
                and quant.owner_id == line.owner_id
            )
            quant = (as_put or there)[:1]
            if quant:
                pairs.append((quant.sudo(False), line.quantity_product_uom))
        return pairs
