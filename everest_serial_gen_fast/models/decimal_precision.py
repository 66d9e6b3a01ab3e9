from odoo import api, models

from ..tools.batch import remembered


class DecimalPrecision(models.Model):
    _inherit = "decimal.precision"

    @api.model
    def precision_get(self, application):
        # Every float value of thousands of new move lines asks this, at
        # create, compute and flush: once per batch is enough (batch_memo).
        return remembered(
            self,
            ("precision_get", application),
            lambda: super(DecimalPrecision, self).precision_get(application),
        )
