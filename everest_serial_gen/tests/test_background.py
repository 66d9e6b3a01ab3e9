from unittest.mock import patch

from psycopg2.errors import LockNotAvailable

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from odoo.addons.everest_serial_gen.models import serial_generator

from .common import SerialGenCase, valuation
from .test_attach import AttachCase


class TestBackground(SerialGenCase):
    """Above the batch size, generation runs chunk by chunk on the runner."""

    def setUp(self):
        super().setUp()
        self.company.serial_batch_size = 3
        self.Job = self.env["serial.generation.job"]
        self.cron = self.env.ref("everest_serial_gen.serial_generation_job_cron")

    def _run_runner(self, times=10):
        for _call in range(times):
            self.Job._cron_process()

    def test_credit_note_in_chunks(self):
        refund = self._create_credit_note([(self.serial_product, 7)])
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        counts = self._counts()
        _wizard, action = self._generate(refund)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self._counts(), counts)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers + 1,
        )
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.total, job.done_count), ("queued", 7, 0))
        self.assertIn("0 of 7", refund.serial_job_progress)
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="serial_job_progress"', arch)
        self.assertFalse(refund.serial_can_generate)
        counts = self._counts()
        action = refund.action_generate_serial()
        self.assertEqual(self._counts(), counts)
        self.assertIn("background", action["params"]["message"])

        self._run_cron(self.cron)
        self.assertEqual(job.done_count, 3)
        self.assertIn("3 of 7", refund.serial_job_progress)
        self.assertEqual(len(refund.serial_lot_ids), 3)
        # one receipt for the whole credit note (#14), done at the last chunk
        self.assertEqual(refund.serial_picking_ids.state, "draft")

        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 7))
        self.assertFalse(refund.serial_job_progress)
        lots = refund.serial_lot_ids
        self.assertEqual(len(lots), 7)
        self.assertEqual(len(set(lots.mapped("name"))), 7)
        self.assertEqual(len(refund.serial_picking_ids), 1)
        self.assertEqual(refund.serial_picking_ids.state, "done")
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 7
        )
        self.assertEqual(lots.serial_account_move_ids, refund)
        self.assertIn("background generation of 7", refund.message_ids[0].body)
        # the job no longer blocks Generate Serial #, but nothing is left (#16)
        self.assertFalse(refund._serial_running_jobs())
        self.assertFalse(refund.serial_can_generate)
        self.assertEqual(refund._serial_source_lines()._serial_quantities(), (7, 7))
        # nothing runs twice
        counts = self._counts()
        self._run_runner()
        self.assertEqual(self._counts(), counts)

    def test_return_validated_after_the_last_chunk(self):
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.first_serial = "BG-001"
        form.save().action_generate()
        self.Job._cron_process()
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(len(receipt.serial_lot_ids), 3)
        self.Job._cron_process()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(
            sorted(receipt.serial_lot_ids.mapped("name")),
            [f"BG-00{i}" for i in range(1, 6)],
        )
        self.assertEqual(
            sum(
                self._quants(receipt.serial_lot_ids, self.out_location).mapped(
                    "quantity"
                )
            ),
            5,
        )

    def test_failed_chunk_is_reported_and_earlier_chunks_stay(self):
        receipt = self._create_return_receipt([(self.serial_product, 6)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.serial_list = "F-1;F-2;F-3;F-4;F-5;F-6"
        form.save().action_generate()
        self.Job._cron_process()
        # meanwhile someone creates F-5 on Odoo's own screens
        self.env["stock.lot"].create(
            {
                "name": "F-5",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
            }
        )
        self._run_runner()
        job = receipt.serial_job_ids
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("F-5", job.error)
        self.assertIn("stopped after 3 of 6", receipt.serial_job_progress)
        self.assertIn("F-5", receipt.message_ids[0].body)
        self.assertEqual(
            sorted(receipt.serial_lot_ids.mapped("name")), ["F-1", "F-2", "F-3"]
        )
        lines = receipt.move_line_ids.filtered("lot_id")
        self.assertEqual(lines.lot_id, receipt.serial_lot_ids)
        self.assertEqual(receipt.state, "assigned")
        # once the rest is generated by hand, the banner goes
        self._generate(receipt)
        self.assertEqual(receipt.state, "done")
        self.assertFalse(receipt.serial_job_progress)

    def test_busy_chunk_is_retried_later(self):
        refund = self._create_credit_note([(self.serial_product, 4)])
        self._generate(refund)
        job = refund.serial_job_ids
        # a user's transaction holds the document past the runner's timeout
        busy = LockNotAvailable("canceling statement due to lock timeout")
        with patch.object(serial_generator, "lock_rows", side_effect=busy):
            self.Job._cron_process()
        self.assertEqual((job.state, job.done_count), ("queued", 0))
        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 4))
        self.assertEqual(len(refund.serial_lot_ids), 4)

    def test_document_cancelled_meanwhile(self):
        refund = self._create_credit_note([(self.serial_product, 5)], post=False)
        self._generate(refund)
        self.Job._cron_process()
        # no reversal while the job runs: its next chunks would come back
        self.assertNothingCreated(
            refund.action_reverse_serial_generation, message="background"
        )
        refund.serial_job_ids.action_cancel()
        refund.action_reverse_serial_generation()
        refund.button_cancel()
        self._run_runner()
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("cancelled by", job.error)
        self.assertEqual(refund.state, "cancel")

    def test_typed_names_are_the_jobs_from_ok(self):
        """A queued job's typed First Serial # is the sequence's next number:
        a small generation made meanwhile skips those names, and one that
        types them is refused; the job creates all of them (#22)."""
        sequence = self.company.serial_sequence_id
        first, _last = self.env["serial.numbering"]._preview(sequence, 1)
        refund = self._create_credit_note([(self.serial_product, 4)])
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            line.first_serial = first
        form.save().action_generate()
        job = refund.serial_job_ids
        reserved = job.line_ids.names.split("\n")
        self.assertEqual(reserved[0], first)
        # meanwhile, a small generation from the sequence
        small = self._create_credit_note([(self.serial_product, 2)])
        self._generate(small)
        self.assertFalse(set(small.serial_lot_ids.mapped("name")) & set(reserved))
        # and one that types a reserved name
        typed = self._create_credit_note([(self.serial_product, 1)])
        form = self._wizard_form(typed)
        with form.line_ids.edit(0) as line:
            line.serial_list = reserved[2]
        wizard = form.save()
        self.assertNothingCreated(
            wizard.action_generate, error=ValidationError, message="reserved"
        )
        self._run_runner()
        self.assertEqual((job.state, job.done_count), ("done", 4))
        self.assertEqual(sorted(refund.serial_lot_ids.mapped("name")), reserved)

    def test_cancelled_return_keeps_no_serial_without_stock(self):
        """A return cancelled between chunks: the serials its first chunk
        generated never held stock, and are removed, as Odoo's own Generate
        Serials creates lots only at validation (#22)."""
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        self._generate(receipt)
        self.Job._cron_process()
        generated = receipt.serial_lot_ids
        self.assertEqual(len(generated), 3)
        receipt.action_cancel()
        self._run_runner()
        job = receipt.serial_job_ids
        self.assertEqual(job.state, "failed")
        self.assertFalse(generated.exists())
        self.assertIn("removed", receipt.message_ids[0].body)

    def test_a_broken_job_does_not_stop_the_queue(self):
        first = self._create_credit_note([(self.serial_product, 4)], post=False)
        second = self._create_credit_note(
            [(self.lot_product, 1), (self.serial_product, 4)]
        )
        self._generate(first)
        self._generate(second)
        broken = first.serial_job_ids
        # a chunk that fails in an unforeseen way
        Job = self.env.registry["serial.generation.job"]
        original = Job._process_chunk

        def process(job):
            if job == broken:
                raise ValueError("unforeseen")
            return original(job)

        with patch.object(Job, "_process_chunk", process):
            self._run_runner()
        self.assertEqual((broken.state, broken.error), ("failed", "unforeseen"))
        self.assertEqual(second.serial_job_ids.state, "done")
        self.assertEqual(len(second.serial_lot_ids), 5)
        # a deleted document takes its job with it
        other = self._create_credit_note([(self.serial_product, 4)], post=False)
        self._generate(other)
        job = other.serial_job_ids
        other.unlink()
        self.assertFalse(job.exists())

    def test_jobs_cannot_be_forged_or_replayed(self):
        user = new_test_user(
            self.env,
            "storekeeper",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        refund = self._create_credit_note([(self.serial_product, 1)])
        vals = {
            "company_id": self.company.id,
            "user_id": self.env.ref("base.user_admin").id,
            "account_move_id": refund.id,
            "location_dest_id": self.stock_location.id,
            "line_ids": [
                Command.create(
                    {
                        "account_move_line_id": refund.invoice_line_ids.id,
                        "product_id": self.serial_product.id,
                        "count": 3,
                        "lot_quantity": 50,
                    }
                )
            ],
        }
        Job = self.Job.with_user(user)
        self.assertNothingCreated(lambda: Job.create(vals), error=AccessError)
        # a job forged some other way is refused chunk by chunk
        job = self.Job.create(vals)
        counts = self._counts()
        self._run_runner()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(job.state, "failed")
        self.assertIn("one unit", job.error)
        job.line_ids.sudo().lot_quantity = 1
        self.assertNothingCreated(
            lambda: job.with_user(user).write({"state": "queued"}), error=AccessError
        )
        self.assertNothingCreated(
            lambda: job.line_ids.with_user(user).write({"done_count": 0}),
            error=AccessError,
        )
        job.sudo().state = "queued"
        self._run_runner()
        self.assertEqual(job.state, "failed")
        # quantities read in the unit, not as raw floats (#16)
        self.assertIn("only 1 of 1 Units", job.error)
        self.assertNothingCreated(
            lambda: job.with_user(user).action_cancel(), error=AccessError
        )


class TestBackgroundReceipt(AttachCase):
    """A credit note generated in the background has one receipt (#14)."""

    def setUp(self):
        super().setUp()
        self.Job = self.env["serial.generation.job"]

    def _background(self, product, quantity, names=None):
        """A credit note of ``quantity`` serials of ``product``, generated in
        chunks of 3; run its first chunk."""
        self.company.serial_batch_size = 3
        refund = self._create_credit_note([(product, quantity)])
        form = self._wizard_form(refund)
        if names:
            with form.line_ids.edit(0) as line:
                line.serial_list = "\n".join(names)
        form.save().action_generate()
        self.Job._cron_process()
        return refund, refund.serial_job_ids

    def _stock_state(self, product):
        moves = self.env["stock.move"].search([("product_id", "=", product.id)])
        return {
            "quants": sorted(
                (quant.location_id.id, quant.quantity)
                for quant in self.env["stock.quant"].search(
                    [("product_id", "=", product.id), ("quantity", "!=", 0)]
                )
            ),
            "moves done": sum(
                moves.filtered(lambda move: move.state == "done").mapped("quantity")
            ),
            # summed: each chunk is valued with its own move
            "valuation": [
                sum(column) for column in zip(*valuation(moves), strict=True)
            ],
            "qty_available": product.qty_available,
            **{field: self._balance(field, product) for field in self.account_fields},
        }

    def _assert_received(self, refund, lots):
        """One done receipt brought exactly ``lots`` into Stock."""
        receipt = refund.serial_picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual((receipt.state, bool(receipt.date_done)), ("done", True))
        done = receipt.move_ids.filtered(lambda move: move.state == "done")
        self.assertEqual(done.move_line_ids.lot_id, lots)
        self.assertEqual(len(done.move_line_ids), len(lots))
        self.assertEqual(
            sorted(self._quants(lots, self.stock_location).mapped("quantity")),
            [1.0] * len(lots),
        )
        self.assertEqual(refund._serial_generated_lots(), lots)
        self.assertEqual(refund.serial_picking_count, 1)
        self.assertEqual(refund.action_view_serial_pickings()["res_id"], receipt.id)
        return receipt

    def test_one_receipt_valued_as_the_synchronous_path(self):
        product = self._sold_product("Background Laptop")
        refund, job = self._background(product, 8)
        receipt = refund.serial_picking_ids
        self.assertEqual(job.transfer_ids, receipt)
        self.assertEqual(receipt.state, "draft")
        self.assertFalse(receipt.date_done)
        self.assertFalse(receipt.backorder_ids)
        self.assertEqual(
            sorted(
                (move.state, move.product_uom_qty, len(move.move_line_ids))
                for move in receipt.move_ids
            ),
            [("done", 3.0, 3), ("draft", 5.0, 0)],
        )
        self.assertEqual(
            sum(
                self._quants(refund.serial_lot_ids, self.stock_location).mapped(
                    "quantity"
                )
            ),
            3,
        )
        self.assertEqual(self._stock_state(product)["moves done"], 3)
        for _call in range(3):
            self.Job._cron_process()
        self.assertEqual((job.state, job.done_count), ("done", 8))
        receipt = self._assert_received(refund, refund.serial_lot_ids)
        self.assertEqual(len(refund.serial_lot_ids), 8)
        self.assertEqual(
            sorted(move.product_uom_qty for move in receipt.move_ids), [2, 3, 3]
        )
        self.assertFalse(
            self.env["stock.picking"].search([("backorder_id", "=", receipt.id)])
        )

        # the same credit note, generated at once
        other = self._sold_product("Synchronous Laptop")
        self.company.serial_batch_size = 2000
        sync = self._create_credit_note([(other, 8)])
        self._generate(sync)
        self.assertEqual(len(sync.serial_picking_ids.move_ids), 1)
        background, synchronous = self._stock_state(product), self._stock_state(other)
        self.assertEqual(background, synchronous)
        self.assertEqual(background["valuation"][:2], [8.0, 800.0])

        # the guards and the reversal see all of it
        self.assertNothingCreated(refund.button_cancel, message="Reverse Serial")
        refund.action_reverse_serial_generation()
        self.assertEqual(receipt.return_ids.state, "done")
        self.assertEqual(receipt.return_ids.move_line_ids.lot_id, refund.serial_lot_ids)
        self.assertFalse(
            sum(
                self._quants(refund.serial_lot_ids, self.stock_location).mapped(
                    "quantity"
                )
            )
        )
        refund.button_cancel()
        self.assertEqual(refund.state, "cancel")

    def test_cancelled_job_ends_the_receipt_with_what_came_in(self):
        product = self._sold_product("Cancelled Laptop")
        refund, job = self._background(product, 8)
        counts = self._counts()
        job.action_cancel()
        self.assertEqual(job.state, "failed")
        receipt = self._assert_received(refund, refund.serial_lot_ids)
        self.assertEqual(len(refund.serial_lot_ids), 3)
        self.assertEqual(
            sorted((move.state, move.product_uom_qty) for move in receipt.move_ids),
            [("cancel", 5.0), ("done", 3.0)],
        )
        self.assertIn(receipt.name, refund.message_ids[0].body)
        self.assertIn("rest of it is cancelled", refund.message_ids[0].body)
        self.assertIn("stopped after 3 of 8", refund.serial_job_progress)
        self.assertEqual(self._stock_state(product)["valuation"][:2], [3.0, 300.0])
        # nothing more runs, nothing is lost
        for _call in range(3):
            self.Job._cron_process()
        self.assertEqual(self._counts(), counts)
        # the rest, generated again, comes in with a receipt of its own
        self.company.serial_batch_size = 2000
        self._generate(refund)
        self.assertEqual(len(refund.serial_lot_ids), 8)
        self.assertEqual(len(refund.serial_picking_ids), 2)
        self.assertEqual(
            sum(
                self._quants(refund.serial_lot_ids, self.stock_location).mapped(
                    "quantity"
                )
            ),
            8,
        )

    def test_failed_job_ends_the_receipt_with_what_came_in(self):
        product = self._sold_product("Failing Laptop")
        names = [f"RF-{index}" for index in range(1, 9)]
        refund, job = self._background(product, 8, names)
        # meanwhile someone creates RF-5 on Odoo's own screens
        self.env["stock.lot"].create(
            {"name": "RF-5", "product_id": product.id, "company_id": self.company.id}
        )
        for _call in range(3):
            self.Job._cron_process()
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("RF-5", job.error)
        lots = refund.serial_lot_ids
        self.assertEqual(sorted(lots.mapped("name")), names[:3])
        receipt = self._assert_received(refund, lots)
        self.assertEqual(
            sorted((move.state, move.product_uom_qty) for move in receipt.move_ids),
            [("cancel", 5.0), ("done", 3.0)],
        )
        self.assertIn("RF-5", refund.message_ids[0].body)
        self.assertIn(receipt.name, refund.message_ids[0].body)
        self.assertEqual(self._stock_state(product)["moves done"], 3)

    def test_receipt_closed_by_hand_meanwhile(self):
        product = self._sold_product("Interrupted Laptop")
        refund, job = self._background(product, 8)
        first = refund.serial_picking_ids
        # Odoo refuses Cancel on it (done moves) and Validate (nothing to
        # receive); its open move cancelled another way closes it all the same
        self.assertNothingCreated(first.action_cancel, message="Done")
        first.move_ids.filtered(lambda move: move.state != "done")._action_cancel()
        self.assertEqual(first.state, "done")
        for _call in range(3):
            self.Job._cron_process()
        self.assertEqual((job.state, job.done_count), ("done", 8))
        second = refund.serial_picking_ids - first
        self.assertEqual((len(second), second.state), (1, "done"))
        self.assertEqual(job.transfer_ids, second)
        self.assertEqual(len(second.move_line_ids.lot_id), 5)
        self.assertEqual(
            sum(
                self._quants(refund.serial_lot_ids, self.stock_location).mapped(
                    "quantity"
                )
            ),
            8,
        )
        self.assertEqual(self._stock_state(product)["valuation"][:2], [8.0, 800.0])

    def test_user_without_email(self):
        """Odoo logs a change of a receipt's demand as its user, which needs
        an e-mail address; the chunks of a user who has none still run."""
        user = new_test_user(
            self.env,
            "no_email_storekeeper",
            groups="stock.group_stock_user,account.group_account_invoice",
        )
        user.partner_id.email = False
        self.company.serial_batch_size = 3
        refund = self._create_credit_note([(self.serial_product, 8)])
        self._wizard_form(refund, user=user).save().action_generate()
        job = refund.serial_job_ids
        for _chunk in range(3):
            self.Job._cron_process()
        self.assertEqual((job.state, job.error), ("done", False))
        self._assert_received(refund, refund.serial_lot_ids)
