from odoo.addons.everest_serial_gen.tests.common import SerialGenCase

from ..tools.batch import FAST_PATH_PARAMETER


class FastPathCase(SerialGenCase):
    """The speed layer takes every batch, however small: the fixtures of
    these tests are a few serials, below the smallest batch it takes by
    default (tools/batch.py, SMALLEST_BATCH)."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, "1")

    def _fast_done_calls(self, run):
        """The sizes of the batches ``run()`` validated on the fast path."""
        MoveLine = self.env.registry["stock.move.line"]
        calls = []
        original = MoveLine._serial_fast_done

        def spy(lines):
            calls.append(len(lines))
            return original(lines)

        MoveLine._serial_fast_done = spy
        try:
            run()
        finally:
            MoveLine._serial_fast_done = original
        return calls
