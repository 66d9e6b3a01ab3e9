from odoo import fields, models
from odoo.tools import float_is_zero, float_round

# The modules whose overrides of these methods the fast path knows it
# reproduces. Any other module overriding one of them may add behaviour the
# fast path would skip: then Odoo's own path runs.
FAST_DONE_KNOWN_OVERRIDES = {
    ("stock.move.line", "_action_done"): {
        "stock",
        "stock_account",
        "everest_serial_gen",
    },
    ("stock.move.line", "_synchronize_quant"): {"stock"},
    ("stock.move.line", "_free_reservation"): {"stock"},
    ("stock.quant", "create"): {"stock"},
    ("stock.quant", "_serial_insert"): {"everest_serial_gen"},
    ("stock.quant", "_compute_inventory_date"): {"stock"},
    ("stock.quant", "_compute_inventory_diff_quantity"): {"stock"},
    ("stock.location", "_get_next_inventory_date"): {"stock"},
    ("stock.quant", "_update_available_quantity"): {"stock"},
}


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _action_done(self):
        """With ``serial_fast_done`` in the context, move the quants of
        brand-new serials in batches instead of one serial at a time.

        Odoo's loop calls ``stock.quant._update_available_quantity`` twice per
        line, and each call creates one quant on its own: about four queries
        per serial. Everything else of the validation (move and picking
        states, valuation layers, backorders, push rules) stays Odoo's.
        """
        if not self.env.context.get("serial_fast_done"):
            return super()._action_done()
        fast = self._serial_fast_done_lines()
        if self - fast:
            super(StockMoveLine, self - fast)._action_done()
        if fast:
            fast._serial_fast_done()
        return True

    def _serial_fast_done_lines(self):
        """The lines for which the batch gives exactly Odoo's result.

        For a line, Odoo's loop gathers the quants of its lot in the source
        and in the destination, finds none, and creates two: minus the
        quantity in the source, plus the quantity in the destination, both
        with the same ``in_date`` (now). That holds when:

        - no installed module changes how quants are moved
          (``FAST_DONE_KNOWN_OVERRIDES``);
        - the product is storable and not valued per lot (stock_account then
          adds one valuation layer per lot);
        - the line has a lot that has no quant anywhere yet, and no other line
          of the batch has that lot;
        - the line has no package, result package or owner (consignment);
        - the source bypasses reservation (a customer location), and holds no
          quant of the product without a lot, which Odoo would decrement
          instead of creating the lot's quant;
        - the destination is internal;
        - the quantity is positive and fits the unit's rounding.
        """
        if not self._serial_fast_done_supported():
            return self.browse()
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )

        def group_ok(group):
            product, source, destination, uom, move = group
            return (
                product.is_storable
                and not product.lot_valuated
                and source.should_bypass_reservation()
                and destination.usage == "internal"
                and move.state not in ("done", "cancel")
                and uom
            )

        def line_ok(line):
            rounding = line.product_uom_id.rounding
            return (
                line.lot_id
                and not (line.package_id or line.result_package_id or line.owner_id)
                and line.quantity > 0
                and float_is_zero(
                    line.quantity
                    - float_round(line.quantity, precision_rounding=rounding),
                    precision_digits=precision,
                )
            )

        groups = self.grouped(
            lambda line: (
                line.product_id,
                line.location_id,
                line.location_dest_id,
                line.product_uom_id,
                line.move_id,
            )
        )
        lines = (
            self.browse()
            .concat(*(group for key, group in groups.items() if group_ok(key)))
            .filtered(line_ok)
        )
        if not lines:
            return lines
        lot_counts = {}
        for line in lines:
            lot_counts[line.lot_id] = lot_counts.get(line.lot_id, 0) + 1
        # Sudo: whether any quant exists decides the path, whatever the user
        # may read; nothing is returned to the user.
        Quant = self.env["stock.quant"].sudo()
        lots_with_quants = {
            lot
            for (lot,) in Quant._read_group(
                [("lot_id", "in", lines.lot_id.ids)], ["lot_id"]
            )
        }
        untracked = set(
            Quant._read_group(
                [
                    ("product_id", "in", lines.product_id.ids),
                    ("location_id", "in", lines.location_id.ids),
                    ("lot_id", "=", False),
                ],
                ["product_id", "location_id"],
            )
        )
        return lines.filtered(
            lambda line: lot_counts[line.lot_id] == 1
            and line.lot_id not in lots_with_quants
            and (line.product_id, line.location_id) not in untracked
        )

    def _serial_fast_done_supported(self):
        for (model, method), known in FAST_DONE_KNOWN_OVERRIDES.items():
            for cls in type(self.env[model]).__mro__:
                if method in vars(cls) and cls.__module__.startswith("odoo.addons."):
                    if cls.__module__.split(".")[2] not in known:
                        return False
        return True

    def _serial_fast_done(self):
        """Odoo's quant loop for brand-new lots, as batches of quants.

        Odoo re-checks the companies of the lines here; the model checks
        them on every create and write already (``_check_company_auto``).
        """
        now = fields.Datetime.now()
        rows = []
        for line in self:
            quantity = line.quantity_product_uom
            rows += [
                (line.product_id.id, line.location_id.id, line.lot_id.id, -quantity),
                (
                    line.product_id.id,
                    line.location_dest_id.id,
                    line.lot_id.id,
                    quantity,
                ),
            ]
        # Sudo, as stock's _update_available_quantity: users move stock
        # through move lines, they do not write quants.
        quants = self.env["stock.quant"].sudo()._serial_insert(rows, now)
        self.write({"date": now})
        return quants
