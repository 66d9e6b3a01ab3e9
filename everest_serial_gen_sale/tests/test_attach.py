"""Credit notes from real sales: Attach/Retrieve Serial #, side by side with
Odoo's own Return followed by the credit note."""

from odoo.exceptions import UserError

from .common import AttachCase


class TestAttach(AttachCase):
    def test_acceptance_credit_note_attaches_the_delivered_serials(self):
        product = self._sold_product("Sold Laptop")
        sold = self._in_stock(product, ["S1", "S2"])
        order, delivery, invoice = self._sell_deliver_invoice(product, 2)
        refund = self._credit_note(invoice)
        wizard = self._wizard_form(refund).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids, sold)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        wizard.action_generate()
        self.assertEqual(
            sold.mapped("location_id"), self.company.serial_stock_location_id
        )
        self.assertEqual(refund.serial_lot_ids, sold)
        self.assertEqual(order.order_line.qty_delivered, 0)
        # nothing to invoice (18.0 says "no", 19.0 "invoiced", as after
        # Odoo's own Return and credit note: the side-by-side test compares)
        self.assertEqual(order.order_line.qty_to_invoice, 0)
        self.assertNotEqual(order.invoice_status, "to invoice")
        # the receipt returns the delivery, as Odoo's Return would
        moves = refund.serial_picking_ids.move_ids
        self.assertEqual(moves.origin_returned_move_id, delivery.move_ids)
        self.assertEqual(moves.sale_line_id, order.order_line)
        self.assertTrue(all(moves.mapped("to_refund")))

    def test_same_end_as_odoo_return_then_credit_note(self):
        odoo_product = self._sold_product("Odoo Way Laptop")
        addon_product = self._sold_product("Addon Way Laptop")
        self._in_stock(odoo_product, ["OW-1", "OW-2"])
        self._in_stock(addon_product, ["AW-1", "AW-2"])
        odoo_order, odoo_delivery, odoo_invoice = self._sell_deliver_invoice(
            odoo_product, 2
        )
        addon_order, _delivery, addon_invoice = self._sell_deliver_invoice(
            addon_product, 2
        )
        # Odoo's way: Return on the delivery, then the credit note
        self._odoo_return(odoo_delivery, 2)
        self._credit_note(odoo_invoice)
        # ours: the credit note, then Generate Serial # with the default Attach
        refund = self._credit_note(addon_invoice)
        self._generate(refund)
        odoo = self._end_state(odoo_order, odoo_product)
        ours = self._end_state(addon_order, addon_product)
        for key in odoo:
            if key == "quants":
                strip = [(usage, quantity) for _name, usage, quantity in odoo[key]]
                self.assertEqual(
                    [(usage, quantity) for _name, usage, quantity in ours[key]],
                    strip,
                    key,
                )
            else:
                self.assertEqual(ours[key], odoo[key], key)
        # and Odoo's Return offers nothing left to return
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=_delivery.id, active_model="stock.picking")
            .create({"picking_id": _delivery.id})
        )
        self.assertEqual(sum(wizard.product_return_moves.mapped("quantity")), 0)

    def test_one_attached_and_one_generated(self):
        product = self._sold_product("Half Known Laptop")
        sold = self._in_stock(product, ["H1"])
        order, _delivery, invoice = self._sell_deliver_invoice(product, 1)
        refund = self._credit_note(invoice, quantity=2)
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.attach_lot_ids[:], sold)
            # the second unit was never delivered: not received by default
            self.assertEqual(line.gen_quantity, 0)
            # the user says it came back anyway
            line.gen_quantity = 1
        form.save().action_generate()
        self.assertEqual(len(refund.serial_lot_ids), 2)
        self.assertIn(sold, refund.serial_lot_ids)
        new = refund.serial_lot_ids - sold
        self.assertEqual(
            sum(self._quants(new | sold, self.stock_location).mapped("quantity")), 2
        )
        # H1 comes back as a return of its delivery, the new one on a receipt
        # that touches no sale
        moves = refund.serial_picking_ids.move_ids
        self.assertEqual(len(moves), 2)
        returned = moves.filtered("origin_returned_move_id")
        self.assertEqual(returned.move_line_ids.lot_id, sold)
        self.assertEqual((moves - returned).move_line_ids.lot_id, new)
        self.assertFalse((moves - returned).sale_line_id)
        self.assertEqual(order.order_line.qty_delivered, 0)

    def test_lot_tracked_product(self):
        product = self._sold_product("Sold Cable", tracking="lot")
        lot = self._in_stock(product, ["REEL-7"], quantity=5)
        order, _delivery, invoice = self._sell_deliver_invoice(product, 5)
        refund = self._credit_note(invoice)
        wizard = self._wizard_form(refund).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids, lot)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        wizard.action_generate()
        self.assertEqual(self._quants(lot, self.stock_location).quantity, 5)
        self.assertEqual(order.order_line.qty_delivered, 0)

    def test_credit_note_for_part_of_the_invoice(self):
        product = self._sold_product("Partly Credited Laptop")
        self._in_stock(product, ["P1", "P2"])
        order, _delivery, invoice = self._sell_deliver_invoice(product, 2)
        refund = self._credit_note(invoice, quantity=1)
        wizard = self._wizard_form(refund).save()
        self.assertEqual(len(wizard.line_ids.attach_lot_ids), 1)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        wizard.action_generate()
        self.assertEqual(order.order_line.qty_delivered, 1)
        self.assertEqual(order.order_line.qty_invoiced, 1)

    def test_odoo_return_already_made_leaves_nothing(self):
        product = self._sold_product("Returned Laptop")
        self._in_stock(product, ["R1", "R2"])
        _order, delivery, invoice = self._sell_deliver_invoice(product, 2)
        self._odoo_return(delivery, 2)
        refund = self._credit_note(invoice)
        line = refund.invoice_line_ids
        self.assertEqual(line._serial_quantities(line.move_id), (2, 2))
        wizard = self._wizard_form(refund).save()
        self.assertFalse(wizard.line_ids.attach_lot_ids)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        self.assertNothingCreated(wizard.action_generate, message="Nothing")

    def test_credit_note_retrieves_what_came_back_on_a_return(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(receipt)
        came_back = receipt.serial_lot_ids
        refund = self._create_credit_note([(self.serial_product, 2)])
        wizard = self._wizard_form(refund).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids, came_back)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        counts = self._counts()
        wizard.action_generate()
        self.assertEqual(self._counts(), counts)  # nothing moves again
        self.assertEqual(refund.serial_lot_ids, came_back)
        self.assertEqual(refund.invoice_line_ids._serial_quantities(refund), (2, 2))
        self.assertFalse(refund.serial_picking_ids)
        # never twice: another credit note finds nothing to retrieve
        other = self._create_credit_note([(self.serial_product, 2)])
        wizard = self._wizard_form(other).save()
        self.assertFalse(wizard.line_ids.attach_lot_ids)
        wizard.line_ids.attach_lot_ids = came_back
        self.assertNothingCreated(wizard.action_generate, message="twice")

    def test_scanned_list_with_a_repeat(self):
        product = self._sold_product("Scanned Laptop")
        sold = self._in_stock(product, ["SC-1", "SC-2"])
        sold[1].ref = "MFR-SC-2"
        _order, _delivery, invoice = self._sell_deliver_invoice(product, 2)
        refund = self._credit_note(invoice)
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            line.attach_lot_ids.clear()
            line.attach_scan = "SC-1\nSC-1\nMFR-SC-2\n"
            self.assertEqual(line.attach_scan, False)
            self.assertEqual(len(line.attach_lot_ids), 2)
            self.assertEqual(line.gen_quantity, 0)
        wizard = form.save()
        self.assertEqual(wizard.line_ids.attach_lot_ids, sold)
        wizard.action_generate()
        self.assertEqual(refund.serial_lot_ids, sold)

    def test_serial_of_another_customer_needs_a_confirmation(self):
        product = self._sold_product("Other's Laptop")
        theirs = self._in_stock(product, ["O1"])
        self._sell_deliver_invoice(product, 1, partner=self.other_customer)
        refund = self._create_credit_note([(product, 1)])
        wizard = self._wizard_form(refund).save()
        wizard.line_ids.attach_lot_ids = theirs
        # one serial, one verb (#31)
        self.assertNothingCreated(
            wizard.action_generate,
            message="O1 was delivered to another customer. Check 'Attach serials "
            "of other customers' to attach it anyway.",
        )
        wizard.confirm_other_customer = True
        wizard.action_generate()
        self.assertEqual(refund.serial_lot_ids, theirs)
        self.assertEqual(theirs.location_id, self.company.serial_stock_location_id)
        self.assertTrue(
            refund.message_ids.filtered(
                lambda m: "Other Customer" in m.body and "O1" in m.body
            )
        )

    def test_serial_in_our_own_stock_is_refused(self):
        product = self._sold_product("Shelf Laptop")
        shelf = self._in_stock(product, ["SHELF-1"])
        refund = self._create_credit_note([(product, 1)])
        wizard = self._wizard_form(refund).save()
        wizard.line_ids.attach_lot_ids = shelf
        self.assertNothingCreated(
            wizard.action_generate,
            message="SHELF-1 is in our own stock, not at a customer: it cannot "
            "come back.",
        )
        with self.assertRaises(UserError):
            wizard.action_generate()

    def test_manual_return_receipt_attaches_a_delivered_serial(self):
        product = self._sold_product("Walk-in Laptop")
        sold = self._in_stock(product, ["W1"])
        self._sell_deliver_invoice(product, 1)
        receipt = self._create_return_receipt([(product, 2)])
        wizard = self._wizard_form(receipt).save()
        wizard.line_ids.attach_lot_ids = sold
        self.assertEqual(wizard.line_ids.gen_quantity, 1)
        wizard.action_generate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(
            receipt.move_line_ids.lot_id - receipt.serial_lot_ids, sold - sold
        )
        self.assertEqual(sold.location_id, self.out_location)
        self.assertEqual(len(receipt.serial_lot_ids), 2)

    def test_serial_at_the_customer_without_a_delivery(self):
        """A serial at the customer that no delivery of ours explains (an
        old ERP's stock, counted there): a return receipt attaches it and
        brings it in, nothing skipped (#22)."""
        product = self._sold_product("Counted Laptop")
        lot = self.env["stock.lot"].create(
            {"name": "LEGACY-1", "product_id": product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            product, self.customer_location, 1, lot_id=lot
        )
        receipt = self._create_return_receipt([(product, 2)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.attach_lot_ids.add(lot)
            self.assertEqual(line.gen_quantity, 1)
        form.save().action_generate()
        self.assertEqual(receipt.state, "done")
        self.assertIn(lot, receipt.move_line_ids.lot_id)
        self.assertEqual(lot.location_id, self.out_location)
        self.assertEqual(len(receipt.move_line_ids), 2)
        self.assertFalse(
            self.env["stock.quant"].search(
                [("lot_id", "=", lot.id), ("quantity", "<", 0)]
            )
        )
