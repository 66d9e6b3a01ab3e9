"""A credit note generated in the background, side by side with the same
generation at once (#14)."""

from odoo.tests import new_test_user

from odoo.addons.everest_serial_gen.tests.common import valuation

from .common import AttachCase


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
        self.Job._serial_runner_step()
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
        """The credit note's done receipts, a chain of backorders (each
        chunk validated its own part), brought exactly ``lots`` into
        Stock."""
        receipts = refund.serial_picking_ids
        done = receipts.filtered(lambda picking: picking.state == "done")
        self.assertTrue(all(done.mapped("date_done")))
        chain = receipts.sorted("id")
        self.assertEqual(chain[1:].backorder_id, chain[:-1])
        moves = done.move_ids.filtered(lambda move: move.state == "done")
        self.assertEqual(moves.move_line_ids.lot_id, lots)
        self.assertEqual(len(moves.move_line_ids), len(lots))
        self.assertEqual(
            sorted(self._quants(lots, self.stock_location).mapped("quantity")),
            [1.0] * len(lots),
        )
        self.assertEqual(refund._serial_generated_lots(), lots)
        self.assertEqual(refund.serial_picking_count, len(receipts))
        return receipts

    def test_chunks_validated_as_backorders_valued_as_at_once(self):
        """Each chunk validates its own part of the receipt and leaves the
        rest on a backorder, as a user who validates part of a transfer
        (#32): no chunk reads what the earlier ones did. The credit note
        shows one result, valued as the same generation at once, and
        Odoo's Return works on all that came in."""
        product = self._sold_product("Background Laptop")
        refund, job = self._background(product, 8)
        first, backorder = refund.serial_picking_ids.sorted("id")
        self.assertEqual(first.state, "done")
        self.assertEqual(
            [(move.state, move.product_uom_qty) for move in first.move_ids],
            [("done", 3.0)],
        )
        self.assertEqual(backorder.backorder_id, first)
        self.assertEqual(job.transfer_ids, first | backorder)
        self.assertEqual(
            [
                (move.state, move.product_uom_qty, len(move.move_line_ids))
                for move in backorder.move_ids
            ],
            [(backorder.move_ids.state, 5.0, 0)],
        )
        self.assertNotEqual(backorder.state, "done")
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
            self.Job._serial_runner_step()
        self.assertEqual((job.state, job.done_count), ("done", 8))
        receipts = self._assert_received(refund, refund.serial_lot_ids)
        self.assertEqual(len(refund.serial_lot_ids), 8)
        self.assertEqual(
            sorted(move.product_uom_qty for move in receipts.move_ids), [2, 3, 3]
        )
        self.assertEqual(job.transfer_ids, receipts)

        # the same credit note, generated at once
        other = self._sold_product("Synchronous Laptop")
        self.company.serial_batch_size = 2000
        sync = self._create_credit_note([(other, 8)])
        self._generate(sync)
        self.assertEqual(len(sync.serial_picking_ids.move_ids), 1)
        background, synchronous = self._stock_state(product), self._stock_state(other)
        self.assertEqual(background, synchronous)
        self.assertEqual(background["valuation"][:2], [8.0, 800.0])

        # the guards and the reversal see all of it, with Odoo's Return of
        # each receipt
        self.assertNothingCreated(refund.button_cancel, message="Reverse Serial")
        refund.action_reverse_serial_generation()
        self.assertEqual(set(receipts.return_ids.mapped("state")), {"done"})
        self.assertEqual(
            receipts.return_ids.move_line_ids.lot_id, refund.serial_lot_ids
        )
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
        receipts = self._assert_received(refund, refund.serial_lot_ids)
        self.assertEqual(len(refund.serial_lot_ids), 3)
        # the first chunk's part came in; the backorder of the rest, where
        # nothing came in, is cancelled
        self.assertEqual(
            sorted((move.state, move.product_uom_qty) for move in receipts.move_ids),
            [("cancel", 5.0), ("done", 3.0)],
        )
        self.assertIn(receipts.sorted("id")[-1].name, refund.message_ids[0].body)
        self.assertIn("nothing moved with it", refund.message_ids[0].body)
        self.assertIn("stopped after 3 of 8", refund.serial_job_progress)
        self.assertEqual(self._stock_state(product)["valuation"][:2], [3.0, 300.0])
        # nothing more runs, nothing is lost
        for _call in range(3):
            self.Job._serial_runner_step()
        self.assertEqual(self._counts(), counts)
        # the rest, generated again, comes in with a receipt of its own
        self.company.serial_batch_size = 2000
        self._generate(refund)
        self.assertEqual(len(refund.serial_lot_ids), 8)
        self.assertEqual(len(refund.serial_picking_ids), 3)
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
            self.Job._serial_runner_step()
        self.assertEqual((job.state, job.done_count), ("failed", 3))
        self.assertIn("RF-5", job.error)
        lots = refund.serial_lot_ids
        self.assertEqual(sorted(lots.mapped("name")), names[:3])
        receipts = self._assert_received(refund, lots)
        self.assertEqual(
            sorted((move.state, move.product_uom_qty) for move in receipts.move_ids),
            [("cancel", 5.0), ("done", 3.0)],
        )
        self.assertIn("RF-5", refund.message_ids[0].body)
        self.assertIn(receipts.sorted("id")[-1].name, refund.message_ids[0].body)
        self.assertEqual(self._stock_state(product)["moves done"], 3)

    def test_receipt_is_the_jobs_until_it_ends(self):
        """The receipt a job fills cannot be validated or cancelled by hand
        meanwhile (it would take other units, or leave the job without its
        open move): it is the job's, opened once at OK, until it ends."""
        product = self._sold_product("Interrupted Laptop")
        refund, job = self._background(product, 8)
        # the open part of the receipt, on the backorder of the first chunk's
        receipt = refund.serial_picking_ids.filtered(
            lambda picking: picking.state != "done"
        )
        self.assertTrue(receipt.serial_job_held)
        for action in (receipt.action_cancel, receipt.button_validate):
            self.assertNothingCreated(action, message="being filled in the background")
        for _call in range(3):
            self.Job._serial_runner_step()
        self.assertEqual((job.state, job.done_count), ("done", 8))
        self.assertEqual(job.transfer_ids, refund.serial_picking_ids)
        self.assertFalse(refund.serial_picking_ids.filtered("serial_job_held"))
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
            self.Job._serial_runner_step()
        self.assertEqual((job.state, job.error), ("done", False))
        self._assert_received(refund, refund.serial_lot_ids)
