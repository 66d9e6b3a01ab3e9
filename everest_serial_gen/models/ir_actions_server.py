from odoo import Command, api, models

from ..compat import GROUPS_FIELD


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    @api.model
    def _serial_set_groups(self, action_ids, group_ids):
        """Give the addon's actions their groups, from its data files: the
        field is groups_id up to 18.0, group_ids since 19.0."""
        self.browse(action_ids).write(
            {GROUPS_FIELD: [Command.link(group_id) for group_id in group_ids]}
        )
