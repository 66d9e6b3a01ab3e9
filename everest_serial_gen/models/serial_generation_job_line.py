from odoo import fields, models

from ..compat import UOM_PRECISION
from ..tools.serial_plan import PlanLine


class SerialGenerationJobLine(models.Model):
    """What a generation does for one document line and one origin: new
    serials to generate, known serials to attach, or return lines to
    retrieve; ``count`` of them, ``done_count`` done."""

    _name = "serial.generation.job.line"
    _description = "Serial Generation Line"
    _check_company_auto = True
    _order = "id"

    job_id = fields.Many2one(
        "serial.generation.job", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    # the document's line, whatever its model (the document's
    # _serial_lines_field)
    source_model = fields.Char(string="Document Line Model", required=True)
    source_id = fields.Many2oneReference(
        string="Document Line ID", model_field="source_model", required=True
    )
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    kind = fields.Selection(
        [
            ("generate", "Generate"),
            ("attach", "Attach"),
            ("retrieve", "Retrieve"),
            ("move", "Move"),
        ],
        required=True,
        default="generate",
    )
    origin_move_id = fields.Many2one(
        "stock.move",
        string="Returned Delivery",
        check_company=True,
        help="The delivery move whose return brings these units back.",
    )
    count = fields.Integer(
        string="Total",
        required=True,
        help="How many serials or lots the line creates or takes.",
    )
    done_count = fields.Integer(string="Done", default=0)
    lot_quantity = fields.Float(digits=UOM_PRECISION, required=True)
    names = fields.Text(
        help="The names decided when the user clicked OK, one per line. Empty: "
        "drawn from the sequence, chunk by chunk."
    )
    attach_lot_ids = fields.Many2many(
        "stock.lot",
        "serial_generation_job_line_attach_rel",
        "line_id",
        "lot_id",
        string="Attached",
        check_company=True,
    )
    retrieved_line_ids = fields.Many2many(
        "stock.move.line",
        "serial_generation_job_line_retrieve_rel",
        "line_id",
        "move_line_id",
        string="Retrieved",
    )
    move_lot_ids = fields.Many2many(
        "stock.lot",
        "serial_generation_job_line_move_rel",
        "line_id",
        "lot_id",
        string="Serials to Move",
        check_company=True,
        help="The known serials that the line's move takes, for an operation "
        "other than a generation (serial.chunked.transfer).",
    )
    move_id = fields.Many2one(
        "stock.move",
        string="Receiving Move",
        check_company=True,
        # stock.picking._serial_check_not_in_job looks a transfer up by it
        index="btree_not_null",
        help="The move that brings the units of this line in.",
    )

    def _source(self):
        """The document line this line serves."""
        self.ensure_one()
        return self.env[self.source_model].browse(self.source_id)

    def _units_left(self):
        """The units (product unit) this line still brings in."""
        self.ensure_one()
        return (self.count - self.done_count) * self.lot_quantity

    def _serial_move_pairs(self, lots):
        """``(quant, lot)`` for each of ``lots`` that this line's move takes
        now: the serial's quant where the move takes it from, and the serial
        it moves as (its own, unless an operation says otherwise)."""
        self.ensure_one()
        location = self.move_id.location_id
        transfers = self.env["serial.chunked.transfer"]
        found = transfers.quants_at(lots, location)
        missing = lots.filtered(lambda lot: lot not in found)
        if missing:
            raise transfers.not_movable_error(location, missing)
        return [(found[lot], lot) for lot in lots]

    def _next_chunk(self, size):
        """The plan lines of the next ``size`` serials, and how many each
        generation line gives."""
        lines, taken = [], {}
        for line in self.filtered(lambda line: line.done_count < line.count):
            count = min(line.count - line.done_count, size - sum(taken.values()))
            if count <= 0:
                break
            lines.append(line._plan_part(line.done_count, count))
            taken[line] = count
        return tuple(lines), taken

    def _plan_part(self, start, count):
        """The plan line of ``count`` of this line's serials from ``start``."""
        self.ensure_one()
        part = {
            "source": self.job_id._document()._serial_chunk_source(self),
            "product": self.product_id,
            "lot_quantity": self.lot_quantity,
            "origin": self.origin_move_id or None,
            "job_line": self,
        }
        if self.kind == "generate":
            names = None
            if self.names:
                names = tuple(self.names.split("\n")[start : start + count])
            return PlanLine(**part, count=count, names=names or None)
        if self.kind == "attach":
            lots = self.attach_lot_ids.sorted("id")[start : start + count]
            return PlanLine(
                **part,
                count=0,
                attached=lots,
                attached_quantities=dict.fromkeys(lots, self.lot_quantity),
            )
        return PlanLine(
            **part,
            count=0,
            retrieved=self.retrieved_line_ids.sorted("id")[start : start + count],
        )
