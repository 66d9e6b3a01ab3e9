from odoo import fields, models


class SerialGenerationJobLine(models.Model):
    _name = "serial.generation.job.line"
    _description = "Background Serial Generation Line"
    _check_company_auto = True
    _order = "id"

    job_id = fields.Many2one(
        "serial.generation.job", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    account_move_line_id = fields.Many2one("account.move.line", check_company=True)
    stock_move_id = fields.Many2one("stock.move", check_company=True)
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    count = fields.Integer(required=True, help="How many lots the line creates.")
    done_count = fields.Integer(default=0)
    lot_quantity = fields.Float(digits="Product Unit of Measure", required=True)
    names = fields.Text(
        help="The names decided when the user clicked OK, one per line. Empty: "
        "drawn from the sequence, chunk by chunk."
    )

    def _plan_chunk(self, size):
        """The plan of the next ``size`` serials, and how many each line gives."""
        Lot = self.env["stock.lot"]
        company = self.job_id.company_id
        plan, taken = [], {}
        lines = self.filtered(lambda line: line.done_count < line.count)
        Lot._serial_lock_products(set(lines.product_id.ids))
        for line in lines:
            count = min(line.count - line.done_count, size - sum(taken.values()))
            if count <= 0:
                break
            if line.names:
                names = line.names.split("\n")[
                    line.done_count : line.done_count + count
                ]
                Lot._serial_check_names(company, line.product_id, names)
            else:
                names = Lot._serial_draw_names(company, line.product_id, count)
            plan.append(
                {
                    "source": line.account_move_line_id or line.stock_move_id,
                    "product": line.product_id,
                    "names": names,
                    "lot_quantity": line.lot_quantity,
                }
            )
            taken[line] = count
        return plan, taken
