"""What a user meets around a background generation and Reverse (issue
#31): the banner that follows the job, numbers as the user's language writes
them, a short chatter, the link to the job, the wizard's word before OK, the
confirmation before Reverse and notifications whose title and message read
apart."""

import json

from lxml import etree

from odoo.tests import tagged

from .common import SerialGenCase


class NotificationAssertions:
    def assertNotification(self, action, kind, title, message=None):
        """``action`` is Odoo's notification of type ``kind`` under
        ``title`` (False: none), and its message does not repeat it: 19.0
        prints them on one line, "Title. Message"."""
        self.assertEqual(action["tag"], "display_notification")
        params = action["params"]
        self.assertEqual(params["type"], kind)
        self.assertEqual(params["title"], title)
        if title:
            self.assertNotIn(title, params["message"])
        if message is not None:
            self.assertEqual(params["message"], message)
        return params


@tagged("post_install", "-at_install")
class TestBackgroundSays(NotificationAssertions, SerialGenCase):
    def setUp(self):
        super().setUp()
        self.Job = self.env["serial.generation.job"]

    def test_thousands_in_the_wizard_banner_and_chatter(self):
        """A generation above the batch size: the wizard says before OK that
        it runs in the background; the notification, the banner and the
        chatter write 1,500 and 1,000."""
        self.company.serial_batch_size = 1000
        refund = self._create_credit_note([(self.serial_product, 1500)])
        form = self._wizard_form(refund)
        self.assertEqual(
            form.background_note,
            "1,500 serial numbers are more than the batch size of 1,000: OK runs "
            "them in the background, in chunks of 1,000, and the document shows "
            "the progress.",
        )
        with form.line_ids.edit(0) as line:
            line.gen_quantity = 2
        self.assertFalse(form.background_note)
        with form.line_ids.edit(0) as line:
            line.gen_quantity = 1500
        action = form.save().action_generate()
        self.assertNotification(
            action,
            "info",
            "Generate Serial #",
            "1,500 serial numbers are being generated in the background. The "
            "document shows the progress.",
        )
        self.assertEqual(
            refund.serial_job_progress,
            "Generating serial numbers in the background: 0 of 1,500 done.",
        )
        self.assertIn("in chunks of 1,000.", refund.message_ids[0].body)
        arch = self.env["serial.generate.wizard"].get_view()["arch"]
        self.assertIn('name="background_note"', arch)

    def _progress_sent(self, job):
        """The bus messages of the jobs' progress this transaction wrote since
        the last call: (channel, payload), as the web client receives them
        (Odoo's bus writes them when the transaction commits)."""
        self.env.cr.precommit.run()
        Bus = self.env["bus.bus"].sudo()
        seen = getattr(self, "_bus_seen", 0)
        messages = Bus.search([("id", ">", seen)], order="id")
        self._bus_seen = max(messages.ids, default=seen)
        return [
            (json.loads(bus.channel)[1:], json.loads(bus.message)["payload"])
            for bus in messages
            if json.loads(bus.message)["type"] == "everest_serial_gen.job_progress"
            and json.loads(bus.message)["payload"]["job_id"] == job.id
        ]

    def test_chunk_says_little_links_its_job_and_tells_the_banner(self):
        """Each chunk's chatter message counts its serials, names the first
        and the last and links to the job; each chunk and the job's end tell
        the user's web client, whose banner reloads the document."""
        self.company.serial_batch_size = 25
        refund = self._create_credit_note([(self.serial_product, 30)])
        self._generate(refund)
        job = refund.serial_job_ids
        self._progress_sent(job)  # from here on
        self.Job._serial_runner_step()
        lots = refund.serial_lot_ids.sorted("id")
        self.assertEqual(len(lots), 25)
        body = str(refund.message_ids[0].body)
        self.assertIn("generated 25 serial numbers", body)
        self.assertEqual(body.count('data-oe-model="stock.lot"'), 2)
        self.assertIn(f"{lots[0].name}</a> … <a", body)
        self.assertIn(f"{lots[-1].name}</a>", body)
        self.assertIn(
            f'data-oe-model="serial.generation.job" data-oe-id="{job.id}"', body
        )
        # to the user who asked for it (their partner's channel), once
        self.assertEqual(
            self._progress_sent(job),
            [
                (
                    ["res.partner", job.user_id.partner_id.id],
                    {
                        "res_model": "account.move",
                        "res_id": refund.id,
                        "job_id": job.id,
                    },
                )
            ],
        )
        self.Job._serial_runner_step()
        self.assertEqual(job.state, "done")
        self.assertEqual(len(self._progress_sent(job)), 1)
        # a few serials are named, each a link
        self.assertEqual(
            refund.message_ids[1].body.count('data-oe-model="stock.lot"'), 5
        )
        # the banner is the widget that listens
        for model in ("account.move", "stock.picking"):
            arch = self.env[model].get_view()["arch"]
            self.assertIn(
                'name="serial_job_progress" widget="serial_job_progress"', arch
            )

    def test_document_links_to_its_job(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self.assertFalse(refund.serial_job_count)
        self._generate(refund)
        job = refund.serial_job_ids
        self.assertEqual(refund.serial_job_count, 1)
        action = refund.action_view_serial_jobs()
        self.assertEqual(
            (action["res_model"], action["res_id"], action["views"]),
            ("serial.generation.job", job.id, [(False, "form")]),
        )
        refund.action_reverse_serial_generation()
        self.assertEqual(refund.serial_job_count, 2)
        action = refund.action_view_serial_jobs()
        self.assertEqual(action["domain"], [("id", "in", refund.serial_job_ids.ids)])
        for model in ("account.move", "stock.picking"):
            arch = etree.fromstring(self.env[model].get_view()["arch"])
            self.assertTrue(arch.xpath("//button[@name='action_view_serial_jobs']"))

    def test_job_form_speaks_the_users_words(self):
        labels = self.Job.fields_get(["location_dest_id", "done_count", "total"])
        self.assertEqual(
            [labels[name]["string"] for name in ("location_dest_id", "done_count")],
            ["Destination Location", "Done"],
        )
        line = self.env["serial.generation.job.line"].fields_get(["done_count"])
        self.assertEqual(line["done_count"]["string"], "Done")


@tagged("post_install", "-at_install")
class TestReverseSays(NotificationAssertions, SerialGenCase):
    def test_reverse_asks_first(self):
        """The Reverse button asks before it sends anything back, in the
        user's language (confirm is a translated attribute of views)."""
        for model in ("account.move", "stock.picking"):
            arch = etree.fromstring(self.env[model].get_view()["arch"])
            (button,) = arch.xpath(
                "//header/button[@name='action_reverse_serial_generation']"
            )
            self.assertIn("back to the customer", button.get("confirm"))
        # the Action menu, which asks nothing, does not offer it
        for prefix in ("account_move", "stock_picking"):
            action = self.env.ref(
                f"everest_serial_gen.{prefix}_action_reverse_serial_generation"
            )
            self.assertFalse(action.binding_model_id)

    def test_reverse_notification_is_a_short_success(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        action = refund.action_reverse_serial_generation()
        returns = refund.serial_picking_ids.return_ids
        self.assertNotification(
            action,
            "success",
            "Reverse Serial Generation",
            f"Sent back with {returns.name}.",
        )
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")

    def test_several_documents_name_themselves(self):
        first = self._create_credit_note([(self.serial_product, 1)])
        second = self._create_credit_note([(self.serial_product, 1)])
        self._generate(first)
        self._generate(second)
        action = (first | second).action_reverse_serial_generation()
        params = self.assertNotification(action, "success", "Reverse Serial Generation")
        for refund in (first, second):
            self.assertIn(
                f"{refund.display_name}: Sent back with "
                f"{refund.serial_picking_ids.return_ids.name}.",
                params["message"],
            )

    def test_refusal_names_its_action_once(self):
        """A refusal that names its action goes without the title, which
        would repeat it."""
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        action = receipt.action_reverse_serial_generation()
        params = self.assertNotification(action, "warning", False)
        self.assertEqual(params["message"].count("Reverse Serial Generation"), 1)
        action = receipt.action_print_serial_labels()
        self.assertNotification(
            action,
            "warning",
            "Print Serial Labels",
            f"{receipt.display_name} has no serial numbers from Generate Serial # "
            "to print.",
        )
