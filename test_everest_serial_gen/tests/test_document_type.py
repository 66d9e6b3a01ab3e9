"""A document type of its own, from one model file and one view: Generate
Serial # works on it through the wizard and through a background job
(#23)."""

from odoo import Command

from odoo.addons.everest_serial_gen.tests.common import SerialGenCase


class TestDocumentType(SerialGenCase):
    def _document(self, quantity):
        return self.env["test.serial.return"].create(
            {
                "name": "TOY-1",
                "partner_id": self.customer.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.serial_product.id, "quantity": quantity}
                    )
                ],
            }
        )

    def test_through_the_wizard(self):
        document = self._document(3)
        self.assertTrue(document.serial_can_generate)
        wizard, _action = self._generate(document)
        self.assertEqual(wizard.document_name, "TOY-1")
        lots = document.serial_lot_ids
        self.assertEqual(len(lots), 3)
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 3
        )
        self.assertEqual(lots.mapped("serial_document_ref"), [document] * 3)
        self.assertEqual(set(lots.mapped("serial_origin")), {"test.serial.return"})
        job = document.serial_job_ids
        self.assertEqual(
            (job.state, job.res_model, job.res_id),
            ("done", document._name, document.id),
        )
        self.assertEqual(job.transfer_ids.state, "done")
        self.assertFalse(document.serial_can_generate)
        self.assertIn("generated 3 serial numbers", document.message_ids[0].body)

    def test_through_a_background_job(self):
        self.company.serial_batch_size = 2
        document = self._document(5)
        self._generate(document)
        job = document.serial_job_ids
        self.assertEqual((job.state, job.total), ("queued", 5))
        for _chunk in range(3):
            self.env["serial.generation.job"]._serial_runner_step()
        self.assertEqual((job.state, job.done_count), ("done", 5))
        lots = document.serial_lot_ids
        self.assertEqual(len(lots), 5)
        self.assertEqual(
            sum(self._quants(lots, self.stock_location).mapped("quantity")), 5
        )
        # each chunk of 2 validated its part of the receipt: 3 receipts
        self.assertEqual(len(job.transfer_ids), 3)
        self.assertEqual(set(job.transfer_ids.mapped("state")), {"done"})
