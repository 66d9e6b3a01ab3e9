"""The switch of the addon's batch shortcuts.

The system parameter ``everest_serial_gen.fast_path``, set to ``0``, sends
every batch through Odoo's plain ``create()`` and ``_action_done()``: no
copied rows (batch_create.py), no quants inserted in one statement
(stock_quant.py), no answers remembered per batch (batch_memo.py). For an
integrator whose other modules conflict with a shortcut in a way the
shortcuts' own checks do not see; the results are the same, at Odoo's speed.
"""

FAST_PATH_PARAMETER = "everest_serial_gen.fast_path"


def fast_path_enabled(env):
    # Sudo: a system parameter, read by every user who generates serials
    value = env["ir.config_parameter"].sudo().get_param(FAST_PATH_PARAMETER, "1")
    return value.strip().lower() not in ("0", "false", "no", "off")
