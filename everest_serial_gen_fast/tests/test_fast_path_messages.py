from unittest.mock import patch

from markupsafe import Markup

from odoo.tests import tagged

from odoo.addons.everest_serial_gen.tests.common import BothWays

from .common import FastPathCase

# What a logged message holds but its serial: the columns that differ from
# one log to the next (ids, times, the message id drawn for each batch) left out
MESSAGE_COLUMNS_OTHER_EACH_TIME = {
    "id",
    "res_id",
    "create_date",
    "write_date",
    "date",
    "message_id",
}


@tagged("post_install", "-at_install")
class TestFastPathMessages(BothWays, FastPathCase):
    """A log on many serials (Send to and Receive from Vendor log one
    message on each) stores what Odoo's ``_message_log_batch`` stores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls.env["stock.lot"].create(
            [
                {"name": f"LOG-{index:03}", "product_id": cls.serial_product.id}
                for index in range(7)
            ]
        )

    def _bodies(self, lots):
        """Two bodies, as two transfers of a Send to Vendor give."""
        return {
            lot.id: Markup("Sent to vendor <b>%s</b>.") % ("A" if index < 4 else "B")
            for index, lot in enumerate(lots)
        }

    def _logged(self, lots, bodies):
        """Log ``bodies``; return, per serial, its new messages as stored
        (every column but those that differ each time), and how many
        messages mail.message's create() was given."""
        before = {lot: lot.message_ids for lot in lots}
        Message = self.env.registry["mail.message"]
        created, create = [], Message.create

        def counting_create(records, vals_list):
            created.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return create(records, vals_list)

        with patch.object(Message, "create", counting_create):
            lots._serial_log_each(bodies)
        self.env.flush_all()
        rows = {}
        for lot in lots:
            # read as a user opens the serial: its chatter is up to date
            messages = lot.message_ids - before[lot]
            self.assertEqual(len(messages), 1, lot.name)
            self.env.cr.execute(
                "SELECT * FROM mail_message WHERE id = %s", [messages.id]
            )
            columns = [column.name for column in self.env.cr.description]
            row = dict(zip(columns, self.env.cr.fetchone(), strict=True))
            self.assertEqual((row["model"], row["res_id"]), ("stock.lot", lot.id))
            rows[lot.name] = {
                name: value
                for name, value in row.items()
                if name not in MESSAGE_COLUMNS_OTHER_EACH_TIME
            }
        return rows, sum(created)

    def test_log_as_odoo_logs(self):
        lots = self.lots
        self._switch_fast_path(False)
        odoo, odoo_created = self._logged(lots, self._bodies(lots))
        self._switch_fast_path(True)
        fast, fast_created = self._logged(lots, self._bodies(lots))
        self.assertEqual(fast, odoo)
        self.assertIn("Sent to vendor <b>A</b>.", odoo["LOG-003"]["body"])
        self.assertIn("Sent to vendor <b>B</b>.", odoo["LOG-004"]["body"])
        # Odoo's create() took every message; the fast path one per body
        self.assertEqual(odoo_created, 7)
        self.assertEqual(fast_created, 2)

    def test_one_message_id_per_log(self):
        """Odoo's batch gives its messages one message id: so do the copies."""
        lots = self.lots
        lots._serial_log_each(self._bodies(lots))
        messages = self.env["mail.message"].search(
            [("model", "=", "stock.lot"), ("res_id", "in", lots.ids)]
        )
        self.assertEqual(len(messages), 7)
        self.assertEqual(len(set(messages.mapped("message_id"))), 1)
        self.assertEqual(set(messages.mapped("author_id")), {self.env.user.partner_id})
