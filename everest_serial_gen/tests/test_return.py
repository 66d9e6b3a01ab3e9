from odoo import Command

from .common import SerialGenCase


class TestReturn(SerialGenCase):
    def test_acceptance_manual_receipt_from_customer(self):
        receipt = self._create_return_receipt([(self.serial_product, 3)])
        self.assertTrue(receipt.serial_can_generate)
        wizard, _action = self._generate(receipt)
        self.assertEqual(wizard.location_dest_id, self.out_location)
        self.assertEqual(receipt.state, "done")
        lots = receipt.serial_lot_ids
        self.assertEqual(len(lots), 3)
        self.assertEqual(
            sum(self._quants(lots, self.out_location).mapped("quantity")), 3
        )
        self.assertEqual(lots.serial_job_ids.res_id, receipt.id)
        self.assertEqual(lots.mapped("serial_document_ref"), [receipt] * 3)
        self.assertEqual(receipt.move_line_ids.lot_id, lots)
        self.assertEqual(set(receipt.move_line_ids.mapped("quantity")), {1.0})
        message = receipt.message_ids.filtered(
            lambda m: "generated 3 serial" in (m.body or "")
        )
        self.assertTrue(message)
        found = self.env["stock.lot"].search(
            [("serial_job_ids", "ilike", receipt.name)]
        )
        self.assertEqual(found, lots)

    def test_draft_receipt_and_lot_product(self):
        receipt = self._create_return_receipt(
            [(self.lot_product, 4), (self.plain_product, 2)], confirm=False
        )
        wizard = self._wizard_form(receipt).save()
        self.assertEqual(wizard.line_ids.product_id, self.lot_product)
        wizard.action_generate()
        self.assertEqual(receipt.state, "done")
        lot = receipt.serial_lot_ids
        self.assertEqual(len(lot), 1)
        self.assertEqual(self._quants(lot, self.out_location).quantity, 4)
        plain = self.env["stock.quant"]._gather(self.plain_product, self.stock_location)
        self.assertEqual(sum(plain.mapped("quantity")), 2)

    def _deliver_new_serials(self, names):
        """Serials ``names`` put in stock, then delivered to the customer."""
        sold = self.env["stock.lot"].create(
            [
                {
                    "name": name,
                    "product_id": self.serial_product.id,
                    "company_id": self.company.id,
                }
                for name in names
            ]
        )
        for lot in sold:
            self.env["stock.quant"]._update_available_quantity(
                self.serial_product, self.stock_location, 1, lot_id=lot
            )
        delivery = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.serial_product.id,
                            "product_uom_qty": len(names),
                            "product_uom": self.serial_product.uom_id.id,
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
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")

        return sold, delivery

    def test_return_of_a_real_delivery(self):
        """Odoo keeps its own serials on the return; Generate Serial # only
        covers the units that came back without one."""
        sold, delivery = self._deliver_new_serials(("SOLD-1", "SOLD-2"))
        return_wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({"picking_id": delivery.id})
        )
        return_wizard.product_return_moves.quantity = 2
        receipt = return_wizard._create_return()
        self.assertEqual(receipt.move_line_ids.lot_id, sold)
        # the customer sent back one more unit, never sold here
        receipt.move_ids.product_uom_qty = 3

        wizard = self._wizard_form(receipt).save()
        line = wizard.line_ids
        self.assertEqual((line.document_quantity, line.serialized_quantity), (3, 2))
        self.assertEqual(line.gen_quantity, 1)
        wizard.action_generate()

        self.assertEqual(receipt.state, "done")
        new = receipt.serial_lot_ids
        self.assertEqual(len(new), 1)
        self.assertNotIn(new, sold)
        self.assertEqual(self._quants(new, self.out_location).quantity, 1)
        self.assertEqual(
            sum(self._quants(sold, self.stock_location).mapped("quantity")), 2
        )

    def test_two_warehouses(self):
        south = self.env["stock.warehouse"].create({"name": "South", "code": "STH"})
        self.assertTrue(south.serial_out_location_id)
        self.assertNotEqual(south.serial_out_location_id, self.out_location)
        receipt = self._create_return_receipt(
            [(self.serial_product, 2)], warehouse=south
        )
        wizard, _action = self._generate(receipt)
        self.assertEqual(wizard.location_dest_id, south.serial_out_location_id)
        lots = receipt.serial_lot_ids
        self.assertEqual(
            sum(self._quants(lots, south.serial_out_location_id).mapped("quantity")), 2
        )
        # a warehouse without an Out location of its own uses the company's,
        # and editing the warehouse does not bring one back
        south.serial_out_location_id = False
        locations = self.env["stock.location"].search_count([])
        south.name = "South Depot"
        self.assertFalse(south.serial_out_location_id)
        self.assertEqual(self.env["stock.location"].search_count([]), locations)
        receipt = self._create_return_receipt(
            [(self.serial_product, 1)], warehouse=south
        )
        wizard, _action = self._generate(receipt)
        self.assertEqual(wizard.location_dest_id, self.company.serial_out_location_id)

    def test_two_and_three_step_receptions(self):
        """The serials go to the Out location, and no next step of the
        reception waits for them."""
        for steps in ("two_steps", "three_steps"):
            self.warehouse.reception_steps = steps
            receipt = self._create_return_receipt(
                [(self.serial_product, 3)],
                destination=self.warehouse.wh_input_stock_loc_id,
            )
            self._generate(receipt, quantities={0: 2})
            self.assertEqual(receipt.state, "assigned")
            self._generate(receipt)
            self.assertEqual(receipt.state, "done")
            lots = receipt.serial_lot_ids
            self.assertEqual(
                sum(self._quants(lots, self.out_location).mapped("quantity")), 3
            )
            waiting = self.env["stock.move"].search(
                [
                    ("product_id", "=", self.serial_product.id),
                    ("state", "not in", ("done", "cancel")),
                ]
            )
            self.assertFalse(waiting, steps)
            self.assertEqual(receipt.move_ids.location_dest_id, self.out_location)

    def test_warehouse_locations_must_belong_to_it(self):
        south = self.env["stock.warehouse"].create({"name": "South", "code": "STH"})
        for field in ("serial_out_location_id", "serial_stock_location_id"):
            self.assertNothingCreated(
                lambda field=field: south.write({field: self.out_location.id}),
                message="internal location of that warehouse",
            )

    def test_partial_generation_is_not_validated(self):
        receipt = self._create_return_receipt([(self.serial_product, 3)])
        self._generate(receipt, quantities={0: 2})
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(len(receipt.serial_lot_ids), 2)
        self.assertFalse(self._quants(receipt.serial_lot_ids, self.out_location))
        self.assertIn("not validated", receipt.message_ids[0].body)
        # its labels print before the transfer is validated
        action = receipt.action_print_serial_labels()
        lines = self.env["stock.move.line"].browse(
            action["context"]["default_move_line_ids"]
        )
        self.assertEqual(lines.lot_id, receipt.serial_lot_ids)
        # the rest later, and then it is validated
        wizard, _action = self._generate(receipt)
        # the 2 serials went into a move of their own, to the Out location
        self.assertEqual(
            sorted(
                wizard.line_ids.mapped(
                    lambda line: (line.serialized_quantity, line.document_quantity)
                )
            ),
            [(0, 1), (2, 2)],
        )
        self.assertEqual(receipt.state, "done")
        self.assertEqual(len(receipt.serial_lot_ids), 3)

    def test_validate_option_off(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(receipt, validate_transfer=False)
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(len(receipt.move_line_ids), 2)
        self.assertTrue(all(receipt.move_line_ids.mapped("picked")))
        receipt.button_validate()
        self.assertEqual(
            sum(
                self._quants(receipt.serial_lot_ids, self.out_location).mapped(
                    "quantity"
                )
            ),
            2,
        )

    def test_done_and_cancelled_refused(self):
        receipt = self._create_return_receipt([(self.serial_product, 1)])
        wizard = self._wizard_form(receipt).save()
        receipt.action_cancel()
        self.assertFalse(receipt.serial_can_generate)
        self.assertNothingCreated(wizard.action_generate, message="cancelled")
        self.assertNothingCreated(lambda: self._wizard_form(receipt))
        done = self._create_return_receipt([(self.serial_product, 1)])
        self._generate(done)
        self.assertNothingCreated(lambda: self._wizard_form(done), message="done")

    def test_delivery_is_not_a_return(self):
        delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
            }
        )
        self.assertFalse(delivery.serial_can_generate)
        self.assertNothingCreated(lambda: self._wizard_form(delivery))

    def test_existing_serial_name_refused(self):
        self.env["stock.lot"].create(
            {
                "name": "DUP-1",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
            }
        )
        self.env["stock.lot"].create(
            {"name": "DUP-3", "product_id": self.serial_product.id, "company_id": False}
        )
        receipt = self._create_return_receipt([(self.serial_product, 3)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.serial_list = "DUP-1\nDUP-2\nDUP-3"
        wizard = form.save()
        error = self.assertNothingCreated(wizard.action_generate)
        self.assertIn("DUP-1", str(error))
        self.assertIn("DUP-3", str(error))
        self.assertNotIn("DUP-2", str(error))
        # the same name for another product is fine
        self.env["stock.lot"].create(
            {"name": "OK-1", "product_id": self.lot_product.id}
        )
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.serial_list = "OK-1;OK-2;OK-3"
        form.save().action_generate()
        self.assertEqual(
            sorted(receipt.serial_lot_ids.mapped("name")), ["OK-1", "OK-2", "OK-3"]
        )


class TestReturnEnteredByHand(SerialGenCase):
    """A customer's return entered on Odoo's Receipts with default settings
    (#31): the form takes it from Vendors; Generate Serial # receives it
    from the customer, and leaves what a receipt from the customer leaves."""

    def _receipt_as_entered(self, partner, quantity=2):
        """What Odoo's Receipts form saves: a type and a partner; the
        locations come from the type (the source: Vendors)."""
        receipts = self.warehouse.in_type_id
        source = receipts.default_location_src_id
        destination = receipts.default_location_dest_id
        receipt = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": receipts.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.serial_product.id,
                            "product_uom_qty": quantity,
                            "product_uom": self.serial_product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        return receipt

    def _what_it_leaves(self, receipt):
        lots = receipt.serial_lot_ids
        quants = self.env["stock.quant"].search([("lot_id", "in", lots.ids)])
        return {
            "receipt": (
                receipt.state,
                receipt.location_id,
                receipt.location_dest_id,
                receipt.picking_type_id,
                receipt.partner_id,
            ),
            "moves": sorted(
                (move.state, move.location_id.id, move.quantity, move.product_uom_qty)
                for move in receipt.move_ids
            ),
            "lines": sorted(
                (line.location_id.id, line.location_dest_id.id, line.quantity)
                for line in receipt.move_line_ids
            ),
            "quants": sorted(
                (
                    quant.location_id.id,
                    quant.quantity,
                    quant.package_id.id,
                    quant.owner_id.id,
                )
                for quant in quants
            ),
            "serials": len(lots),
        }

    def test_received_from_the_customer(self):
        receipt = self._receipt_as_entered(self.customer)
        self.assertEqual(receipt.location_id.usage, "supplier")
        self.assertTrue(receipt.serial_can_generate)
        self.assertIn(
            receipt,
            self.env["stock.picking"].search([("serial_can_generate", "=", True)]),
        )
        wizard = self._wizard_form(receipt).save()
        self.assertIn(
            f"comes from {receipt.location_id.display_name}: OK receives it "
            f"from {self.customer_location.display_name}, as a return of "
            "Returning Customer.",
            wizard.location_note,
        )
        wizard.action_generate()

        # side by side: the same return entered from the customer's location
        odoo_way = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(odoo_way)
        ours, theirs = self._what_it_leaves(receipt), self._what_it_leaves(odoo_way)
        self.assertEqual(ours, theirs)
        self.assertEqual(
            ours["receipt"][:3], ("done", self.customer_location, self.stock_location)
        )
        self.assertEqual(
            ours["quants"],
            [(self.customer_location.id, -1.0, False, False)] * 2
            + [(self.out_location.id, 1.0, False, False)] * 2,
        )
        self.assertEqual(receipt.move_line_ids.lot_id, receipt.serial_lot_ids)

    def test_receipt_from_a_vendor_is_refused(self):
        vendor = self.env["res.partner"].create(
            {"name": "Laptop Vendor", "supplier_rank": 1}
        )
        receipt = self._receipt_as_entered(vendor)
        self.assertFalse(receipt.serial_can_generate)
        self.assertNothingCreated(
            lambda: self._wizard_form(receipt), message="Set its Receive From"
        )
        # a partner who buys from us too is a customer who may return goods
        vendor.customer_rank = 1
        receipt.invalidate_recordset(["serial_can_generate"])
        self.assertTrue(receipt.serial_can_generate)

    def test_receipt_without_partner_is_refused(self):
        receipt = self._receipt_as_entered(self.env["res.partner"])
        self.assertFalse(receipt.serial_can_generate)
        self.assertNothingCreated(
            lambda: self._wizard_form(receipt), message="Set its Receive From"
        )
