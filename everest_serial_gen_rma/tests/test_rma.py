"""Generate Serial # on OCA's RMA (#30): a document type from this bridge's
files only, its units coming in on the RMA's own reception."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.everest_serial_gen.tests.common import SerialGenCase, valuation

# What the two ways are compared on, per record
LINE_FIELDS = """state picked quantity quantity_product_uom product_uom_id location_id
    location_dest_id package_id result_package_id owner_id""".split()
QUANT_FIELDS = "location_id quantity reserved_quantity package_id owner_id".split()


@tagged("post_install", "-at_install")
class TestRma(SerialGenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the RMA location is a location of the warehouse: the settings show
        # them, and the wizard its destination
        cls.env["res.config.settings"].create(
            {"group_stock_multi_locations": True}
        ).execute()
        cls.operation = cls.env["rma.operation"].create(
            {
                "name": "Repair (test)",
                "action_create_receipt": "automatic_on_confirm",
                "action_create_delivery": False,
                "action_create_refund": False,
            }
        )
        cls.rma_location = cls.warehouse.rma_loc_id

    def _rma(self, product, quantity=1.0, move=None):
        """A confirmed RMA of ``quantity`` units of ``product`` from the
        customer; its reception is made."""
        rma = self.env["rma"].create(
            {
                "partner_id": self.customer.id,
                "product_id": product.id,
                "product_uom_qty": quantity,
                "operation_id": self.operation.id,
                "location_id": self.rma_location.id,
                **({"move_id": move.id} if move else {}),
            }
        )
        rma.action_confirm()
        self.assertTrue(rma.reception_move_id)
        return rma

    def _values(self, records, names):
        return sorted(
            tuple(
                record[name].id if record._fields[name].relational else record[name]
                for name in names
            )
            for record in records
        )

    def _state(self, rma):
        """What the RMA's reception left, without names and ids."""
        lots = rma.reception_move_id.move_line_ids.lot_id
        return {
            "rma": rma.state,
            "reception": rma.reception_move_id.picking_id.state,
            "move": (rma.reception_move_id.state, rma.reception_move_id.quantity),
            "lines": self._values(rma.reception_move_id.move_line_ids, LINE_FIELDS),
            "quants": self._values(
                self.env["stock.quant"].search([("lot_id", "in", lots.ids)]),
                QUANT_FIELDS,
            ),
            "lots": [(lot.company_id.id, lot.product_qty) for lot in lots],
            "valuation": valuation(rma.reception_move_id),
        }

    def test_generate_on_the_rmas_reception_as_odoo_would(self):
        """Odoo's own way: the serial typed on the reception's line, then
        Validate; ours: Generate Serial # with the same name, OK. Field by
        field, the same reception, quants, lot and valuation."""
        odoo_product = self._create_product("RMA Laptop (Odoo)", "serial")
        our_product = self._create_product("RMA Laptop (addon)", "serial")
        odoo_rma = self._rma(odoo_product)
        # the RMA's reception takes existing serials only (its operation
        # type creates none): the user creates the serial, then picks it
        line = odoo_rma.reception_move_id.move_line_ids
        line.lot_id = self.env["stock.lot"].create(
            {"name": "RMA-OLD-1", "product_id": odoo_product.id}
        )
        odoo_rma.reception_move_id.picked = True
        odoo_rma.reception_move_id.picking_id.button_validate()

        rma = self._rma(our_product)
        self.assertTrue(rma.serial_can_generate)
        form = self._wizard_form(rma)
        self.assertEqual(form.location_dest_id, self.rma_location)
        with form.line_ids.edit(0) as wizard_line:
            self.assertEqual(wizard_line.gen_quantity, 1)
            wizard_line.serial_list = "RMA-OLD-1"
        counts = self._counts()
        form.save().action_generate()
        self.assertEqual(
            self._counts()["stock.move"], counts["stock.move"], "no move of its own"
        )
        self.assertEqual(self._state(rma), self._state(odoo_rma))
        # the serial shows on the RMA, and knows it
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.serial_lot_ids.name, "RMA-OLD-1")
        self.assertEqual(rma.serial_lot_count, 1)
        self.assertEqual(rma.serial_lot_ids.serial_document_ref, rma)
        self.assertEqual(rma.serial_lot_ids.location_id, self.rma_location)
        self.assertFalse(rma.serial_can_generate)
        self.assertIn("generated 1 serial number", rma.message_ids[0].body)
        self.assertEqual(rma.serial_job_ids.res_model, "rma")

    def test_attach_a_known_serial(self):
        """A serial Odoo delivered to the customer comes back on the RMA's
        reception, from where it is at the customer, not generated again."""
        product = self._create_product("Known RMA Laptop", "serial")
        lot = self.env["stock.lot"].create(
            {"name": "SOLD-1", "product_id": product.id, "company_id": self.company.id}
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.stock_location.id,
                "lot_id": lot.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
        delivery = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        delivery.move_ids.picked = True
        delivery._serial_validate_done()
        rma = self._rma(product)
        form = self._wizard_form(rma)
        with form.line_ids.edit(0) as wizard_line:
            self.assertEqual(wizard_line.attach_lot_ids[:], lot)
            self.assertEqual(wizard_line.gen_quantity, 0)
        form.save().action_generate()
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.reception_move_id.move_line_ids.lot_id, lot)
        self.assertEqual(rma.serial_lot_ids, lot)
        self.assertEqual(lot.location_id, self.rma_location)
        self.assertFalse(
            self.env["stock.quant"]
            .search([("lot_id", "=", lot.id), ("location_id.usage", "=", "customer")])
            .filtered("quantity")
        )

    def test_reverse_and_the_cancel_guard(self):
        product = self._create_product("Reversed RMA Laptop", "serial")
        rma = self._rma(product, 2)
        self._generate(rma)
        lots = rma.serial_lot_ids
        self.assertEqual(len(lots), 2)
        # nothing lost: the RMA is reversed before it is cancelled
        self.assertNothingCreated(rma.action_cancel, message="Reverse Serial")
        self.assertTrue(rma.serial_can_reverse)
        action = rma.action_reverse_serial_generation()
        self.assertEqual(action["params"]["type"], "success")
        returned = rma.reception_move_id.picking_id.return_ids
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_line_ids.lot_id, lots)
        self.assertFalse(
            self._quants(lots, self.rma_location).filtered("quantity"),
        )
        self.assertIn("reversed the serial generation", rma.message_ids[0].body)

    def test_in_the_background_above_the_batch_size(self):
        self.company.serial_batch_size = 2
        product = self._create_product("Many RMA Laptops", "serial")
        rma = self._rma(product, 5)
        _wizard, action = self._generate(rma)
        self.assertEqual(action["tag"], "display_notification")
        job = rma.serial_job_ids
        self.assertEqual((job.state, job.total), ("queued", 5))
        self.assertIn("0 of 5", rma.serial_job_progress)
        for _chunk in range(3):
            self.env["serial.generation.job"]._serial_runner_step()
        self.assertEqual((job.state, job.done_count, job.error), ("done", 5, False))
        self.assertEqual(len(rma.serial_lot_ids), 5)
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.reception_move_id.picking_id.state, "done")
        self.assertEqual(
            sum(self._quants(rma.serial_lot_ids, self.rma_location).mapped("quantity")),
            5,
        )
        self.assertIn("background generation of 5", rma.message_ids[0].body)

    def test_into_the_receptions_location_only(self):
        """The units come in with the RMA's reception: another location
        than its destination (or one under it) is refused, nothing made."""
        product = self._create_product("Misplaced RMA Laptop", "serial")
        rma = self._rma(product)
        form = self._wizard_form(rma)
        form.location_dest_id = self.stock_location
        wizard = form.save()
        self.assertNothingCreated(wizard.action_generate, message="reception")
        self.assertEqual(rma.state, "confirmed")
        shelf = self.env["stock.location"].create(
            {"name": "RMA shelf", "location_id": self.rma_location.id}
        )
        form = self._wizard_form(rma)
        form.location_dest_id = shelf
        form.save().action_generate()
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.serial_lot_ids.location_id, shelf)
        self.assertEqual(self._quants(rma.serial_lot_ids, shelf).quantity, 1)

    def test_only_where_it_applies(self):
        product = self._create_product("Draft RMA Laptop", "serial")
        rma = self.env["rma"].create(
            {
                "partner_id": self.customer.id,
                "product_id": product.id,
                "product_uom_qty": 1,
                "operation_id": self.operation.id,
            }
        )
        self.assertFalse(rma.serial_can_generate)
        action = rma.action_generate_serial()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("confirmed RMAs", action["params"]["message"])
        self.assertIn(
            rma, self.env["rma"].search([("serial_can_generate", "=", False)])
        )
