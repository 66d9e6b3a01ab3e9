"""Credit notes ride Odoo's own Return (#21).

Each flow a warehouse meets runs twice, side by side, on two products with
the same serials: Odoo's way (its Return on the delivery, then the credit
note) and ours (the credit note, then Generate Serial # with its defaults).
The sale, the quants of each serial, the valuation, the stock accounts and
what Odoo's Return still offers on the delivery must come out the same.
"""

from odoo.addons.everest_serial_gen.tests.common import (
    FAST_PATH_PARAMETER,
    SALE_UOM_FIELD,
)

from .common import AttachCase


class ReturnMatrixCase(AttachCase):
    def _pair(self, name, names, quantity=1.0, tracking="serial", **values):
        """Two products with the same serials in stock: Odoo's and ours."""
        products = []
        for way in ("Odoo", "addon"):
            product = self._sold_product(f"{name} ({way})", tracking, **values)
            self._in_stock(product, names, quantity=quantity)
            products.append(product)
        return products

    def _odoo_return(self, delivery, quantity):
        """Odoo's own Return of ``quantity`` units, with the serials its
        reservation proposes, validated."""
        return super()._odoo_return(delivery, quantity)

    def _ours(self, refund):
        """Generate Serial # with its defaults, then OK."""
        wizard = self._wizard_form(refund).save()
        wizard.action_generate()
        return wizard

    def _return_offer(self, delivery):
        """What Odoo's Return still offers on ``delivery``: per move, the
        quantity its Return All takes, and the serials its reservation then
        proposes. The return is made, read and rolled back."""
        delivery.env.flush_all()
        with self.env.cr.savepoint() as savepoint:
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=delivery.id, active_model="stock.picking")
                .create({"picking_id": delivery.id})
            )
            quantities = []
            for line in wizard.product_return_moves:
                move = line.move_id
                quantity = move.quantity - sum(
                    back.quantity
                    for back in move.move_dest_ids
                    if back.origin_returned_move_id == move and back.state != "cancel"
                )
                line.quantity = quantity
                quantities.append(round(quantity, 3))
            proposed = []
            if any(quantities):
                picking = wizard._create_return()
                proposed = sorted(
                    (line.lot_id.name, line.quantity) for line in picking.move_line_ids
                )
            self.env.flush_all()
            savepoint.rollback()
        self.env.invalidate_all()
        return quantities, proposed

    def _state(self, order, product, exact=True):
        """The end of a flow, as a user reads it."""
        state = self._end_state(order, product)
        if exact:
            # every location, with the package (whether there is one: the two
            # ways pack in packages of their own) and the owner
            state["quants"] = sorted(
                (
                    quant.lot_id.name,
                    quant.location_id.complete_name,
                    quant.quantity,
                    bool(quant.package_id),
                    quant.owner_id.name or "",
                )
                for quant in self.env["stock.quant"].search(
                    [("product_id", "=", product.id), ("quantity", "!=", 0)]
                )
            )
        state["offer"] = [
            self._return_offer(delivery)
            for delivery in order.picking_ids.sorted("id")
            if delivery.picking_type_code == "outgoing" and delivery.state == "done"
        ]
        state["negative quants"] = self.env["stock.quant"].search_count(
            [
                ("product_id", "=", product.id),
                ("quantity", "<", 0),
                ("location_id.usage", "in", ("internal", "transit", "customer")),
            ]
        )
        return state

    def assertSameEnd(self, odoo, ours, exact=True, legacy=False):
        """``odoo`` and ``ours``: (order, product) at the end of each way.
        Without ``legacy`` units (received from a customer with no delivery
        in Odoo, which leaves the customer location below zero, both ways),
        no quant is negative."""
        odoo_state = self._state(*odoo, exact=exact)
        our_state = self._state(*ours, exact=exact)
        for key, value in odoo_state.items():
            self.assertEqual(our_state[key], value, key)
        self.assertGreaterEqual(ours[0].order_line.qty_delivered, 0)
        if not legacy:
            self.assertEqual(our_state["negative quants"], 0)
        return our_state


class TestReturnMatrix(ReturnMatrixCase):
    def test_1_never_delivered(self):
        odoo_product, our_product = self._pair(
            "Ordered Laptop", ["S1", "S2"], invoice_policy="order"
        )
        odoo_order, _delivery, invoice = self._sell_deliver_invoice(
            odoo_product, 2, deliver=False
        )
        self._credit_note(invoice)
        order, delivery, invoice = self._sell_deliver_invoice(
            our_product, 2, deliver=False
        )
        refund = self._credit_note(invoice)
        wizard = self._wizard_form(refund).save()
        # nothing left, nothing to bring back by default
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        self.assertFalse(wizard.line_ids.attach_lot_ids)
        self.assertNothingCreated(wizard.action_generate, message="Nothing")
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))
        self.assertEqual(order.order_line.qty_delivered, 0)
        self.assertEqual(delivery.move_ids.product_uom_qty, 2)
        self.assertNotIn(delivery.state, ("done", "cancel"))

    def test_2_two_credit_notes_on_one_invoice(self):
        odoo_product, our_product = self._pair("Twice Credited", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        self._odoo_return(odoo_delivery, 2)
        self._credit_note(invoice)
        self._credit_note(invoice)
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        self._ours(self._credit_note(invoice))
        second = self._credit_note(invoice)
        wizard = self._wizard_form(second).save()
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        self.assertFalse(wizard.line_ids.attach_lot_ids)
        self.assertNothingCreated(wizard.action_generate, message="Nothing")
        state = self.assertSameEnd((odoo_order, odoo_product), (order, our_product))
        self.assertEqual(state["qty_available"], 2)

    def test_3_return_receipt_first(self):
        odoo_product, our_product = self._pair("Walked-in Laptop", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        self._odoo_return(odoo_delivery, 2)
        self._credit_note(invoice)
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        receipt = self._create_return_receipt([(our_product, 2)])
        wizard = self._wizard_form(receipt).save()
        # the serials delivered to that customer, not new ones
        self.assertEqual(wizard.line_ids.attach_lot_ids.mapped("name"), ["S1", "S2"])
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        wizard.action_generate()
        self.assertEqual(receipt.state, "done")
        refund = self._credit_note(invoice)
        # Odoo's Return already brought them back: nothing is left
        self.assertFalse(refund.serial_can_generate)
        counts = self._counts()
        action = refund.action_generate_serial()
        self.assertEqual(self._counts(), counts)
        self.assertIn("Nothing is left", action["params"]["message"])
        state = self.assertSameEnd(
            (odoo_order, odoo_product), (order, our_product), exact=False
        )
        self.assertEqual(state["qty_available"], 2)
        self.assertEqual(
            receipt.move_ids.filtered(
                lambda move: move.state == "done"
            ).origin_returned_move_id,
            _delivery.move_ids,
        )

    def test_4_part_credited_the_rest_returned_with_odoo(self):
        odoo_product, our_product = self._pair("Half Credited", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        self._odoo_return(odoo_delivery, 1)
        self._credit_note(invoice, quantity=1)
        self._odoo_return(odoo_delivery, 1)
        order, delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        self._ours(self._credit_note(invoice, quantity=1))
        # the receipt is chained to the delivery as Odoo's Return chains it
        moves = self.env["stock.move"].search(
            [
                ("product_id", "=", our_product.id),
                ("origin_returned_move_id", "!=", False),
            ]
        )
        self.assertEqual(moves.move_orig_ids, delivery.move_ids)
        self.assertIn(moves, delivery.move_ids.move_dest_ids)
        # Odoo's Return offers the other serial only
        self.assertEqual(self._return_offer(delivery), ([1.0], [("S2", 1.0)]))
        self._odoo_return(delivery, 1)
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))

    def test_odoo_return_covered_the_credit_note(self):
        """Odoo's Return brought the unit back before the credit note:
        Generate Serial # is gone, and the credit note says why (#31)."""
        product = self._sold_product("Returned First")
        self._in_stock(product, ["R1"])
        _order, delivery, invoice = self._sell_deliver_invoice(product, 1)
        self._odoo_return(delivery, 1)
        refund = self._credit_note(invoice)
        self.assertFalse(refund.serial_can_generate)
        self.assertIn("came back already", refund.serial_covered_note)
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="serial_covered_note"', arch)
        # a credit note the addon generated on says nothing of the kind
        other = self._sold_product("Credited First")
        self._in_stock(other, ["C1"])
        _order, _delivery, invoice = self._sell_deliver_invoice(other, 1)
        ours = self._credit_note(invoice)
        self.assertFalse(ours.serial_covered_note)
        self._ours(ours)
        self.assertFalse(ours.serial_covered_note)

    def test_4_into_a_sub_location(self):
        shelf = self.env["stock.location"].create(
            {"name": "Credit Shelf", "location_id": self.stock_location.id}
        )
        self.company.serial_stock_location_id = shelf
        product = self._sold_product("Shelved Laptop")
        self._in_stock(product, ["S1", "S2"])
        order, delivery, invoice = self._sell_deliver_invoice(product, 2)
        self._ours(self._credit_note(invoice, quantity=1))
        self._odoo_return(delivery, 1)
        quants = sorted(
            (quant.lot_id.name, quant.location_id.name, quant.quantity)
            for quant in self.env["stock.quant"].search(
                [
                    ("product_id", "=", product.id),
                    ("quantity", "!=", 0),
                    ("location_id.usage", "in", ("internal", "customer")),
                ]
            )
        )
        self.assertEqual(quants, [("S1", "Credit Shelf", 1.0), ("S2", "Stock", 1.0)])
        self.assertEqual(order.order_line.qty_delivered, 0)

    def test_5_lot_part_credited(self):
        odoo_product, our_product = self._pair(
            "Cable Drum", ["L1"], quantity=5, tracking="lot"
        )
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 5)
        self._odoo_return(odoo_delivery, 2)
        self._credit_note(invoice, quantity=2)
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 5)
        refund = self._credit_note(invoice, quantity=2)
        wizard = self._wizard_form(refund).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids.name, "L1")
        self.assertEqual(wizard.line_ids.attach_quantity, 2)
        self.assertEqual(wizard.line_ids.gen_quantity, 0)
        wizard.action_generate()
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))

    def test_two_step_reception(self):
        warehouse = self.warehouse
        warehouse.reception_steps = "two_steps"
        odoo_product, our_product = self._pair("Two Step Laptop", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        receipt = self._odoo_return(odoo_delivery, 2)
        # Odoo's Return lands in Input; its route takes the goods on to Stock
        onward = receipt.move_ids.move_dest_ids.picking_id
        if onward:
            onward.action_assign()
            onward.move_ids.picked = True
            onward._serial_validate_done()
        self._credit_note(invoice)
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        self._ours(self._credit_note(invoice))
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))

    def test_product_sold_in_dozens(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        names = [f"D{i:02d}" for i in range(1, 13)]
        odoo_product, our_product = self._pair("Dozen Phone", names)
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(
            odoo_product, 1, **{SALE_UOM_FIELD: dozen.id}
        )
        self._odoo_return(odoo_delivery, 12)
        self._credit_note(invoice)
        order, _delivery, invoice = self._sell_deliver_invoice(
            our_product, 1, **{SALE_UOM_FIELD: dozen.id}
        )
        refund = self._credit_note(invoice)
        self.assertEqual(refund.invoice_line_ids.product_uom_id, dozen)
        wizard = self._wizard_form(refund).save()
        self.assertEqual(len(wizard.line_ids.attach_lot_ids), 12)
        wizard.action_generate()
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))

    def test_credit_note_reset_to_draft_and_posted_again(self):
        odoo_product, our_product = self._pair("Reposted Laptop", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        self._odoo_return(odoo_delivery, 2)
        odoo_refund = self._credit_note(invoice)
        odoo_refund.button_draft()
        odoo_refund.action_post()
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        refund = self._credit_note(invoice)
        self._ours(refund)
        refund.button_draft()
        refund.action_post()
        self.assertEqual(refund.invoice_line_ids._serial_quantities(refund), (2, 2))
        self.assertFalse(refund.serial_can_generate)
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))

    def test_partial_credit_note_then_the_rest(self):
        odoo_product, our_product = self._pair("Twice Half", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(odoo_product, 2)
        self._odoo_return(odoo_delivery, 1)
        self._credit_note(invoice, quantity=1)
        self._odoo_return(odoo_delivery, 1)
        self._credit_note(invoice, quantity=1)
        order, _delivery, invoice = self._sell_deliver_invoice(our_product, 2)
        first = self._credit_note(invoice, quantity=1)
        self._ours(first)
        second = self._credit_note(invoice, quantity=1)
        wizard = self._ours(second)
        self.assertEqual(wizard.lot_ids.mapped("name"), ["S2"])
        self.assertEqual(first.serial_lot_ids.mapped("name"), ["S1"])
        self.assertSameEnd((odoo_order, odoo_product), (order, our_product))


class TestKnownSerialsStayKnown(ReturnMatrixCase):
    def test_6_background_job_keeps_what_was_attached(self):
        self.company.serial_batch_size = 3
        product = self._sold_product("Queued Laptop")
        sold = self._in_stock(product, ["S1", "S2"])
        order, _delivery, invoice = self._sell_deliver_invoice(product, 2)
        refund = self._credit_note(invoice, quantity=5)
        form = self._wizard_form(refund)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.attach_lot_ids[:], sold)
            line.gen_quantity = 3
        form.save().action_generate()
        job = refund.serial_job_ids
        self.assertEqual((job.state, job.total), ("queued", 5))
        for _chunk in range(3):
            self.env["serial.generation.job"]._serial_runner_step()
        self.assertEqual(job.state, "done")
        self.assertEqual(len(refund.serial_lot_ids), 5)
        self.assertLessEqual(sold, refund.serial_lot_ids)
        self.assertEqual(sold.mapped("location_id"), self.stock_location)
        self.assertEqual(order.order_line.qty_delivered, 0)
        self.assertEqual(product.qty_available, 5)
        # the attached serials left the customer, once
        self.assertFalse(
            self.env["stock.quant"].search(
                [
                    ("lot_id", "in", sold.ids),
                    ("quantity", "<", 0),
                    ("location_id.usage", "in", ("internal", "customer")),
                ]
            )
        )

    def _retrieved(self, product=None):
        """A serial generated on a return receipt, then retrieved by a
        credit note."""
        product = product or self.serial_product
        receipt = self._create_return_receipt([(product, 1)])
        self._generate(receipt)
        refund = self._create_credit_note([(product, 1)])
        wizard = self._wizard_form(refund).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids, receipt.serial_lot_ids)
        wizard.action_generate()
        return receipt, refund, receipt.serial_lot_ids

    def test_7_retrieved_credit_note_can_be_cancelled(self):
        receipt, refund, lot = self._retrieved()
        counts = self._counts()
        refund.button_cancel()
        self.assertEqual(refund.state, "cancel")
        self.assertEqual(self._counts(), counts)
        self.assertFalse(refund.serial_lot_ids)
        self.assertFalse(refund.invoice_line_ids.serial_retrieved_line_ids)
        self.assertEqual(receipt.serial_lot_ids, lot)
        self.assertEqual(lot.location_id, self.out_location)
        # released, it can be taken by another credit note
        other = self._create_credit_note([(self.serial_product, 1)])
        self.assertEqual(self._wizard_form(other).save().line_ids.attach_lot_ids, lot)

    def test_7_retrieved_credit_note_can_be_reversed(self):
        _receipt, refund, lot = self._retrieved()
        self.assertTrue(refund.serial_can_reverse)
        counts = self._counts()
        action = refund.action_reverse_serial_generation()
        # a success, short: what was let go of, the document not named (#31)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(
            action["params"]["message"],
            f"Released {lot.name}, which stays in stock where its return receipt "
            "put it.",
        )
        self.assertEqual(self._counts(), counts)
        self.assertFalse(refund.serial_lot_ids)
        self.assertEqual(refund.invoice_line_ids._serial_quantities(refund), (1, 0))

    def test_8_retrieved_then_the_return_is_reversed(self):
        receipt, refund, lot = self._retrieved()
        self.assertEqual(refund.invoice_line_ids._serial_quantities(refund), (1, 1))
        receipt.action_reverse_serial_generation()
        self.assertFalse(lot.quant_ids.filtered(lambda quant: quant.quantity > 0))
        self.assertEqual(refund.invoice_line_ids._serial_quantities(refund), (1, 0))

    def test_unit_comes_in_once(self):
        """An attached serial that someone brought back meanwhile is refused
        by the background chunk, not brought in twice."""
        self.company.serial_batch_size = 1
        product = self._sold_product("Raced Laptop")
        self._in_stock(product, ["R1", "R2"])
        _order, delivery, invoice = self._sell_deliver_invoice(product, 2)
        refund = self._credit_note(invoice)
        self._wizard_form(refund).save().action_generate()
        self.env["serial.generation.job"]._serial_runner_step()
        # meanwhile, Odoo's Return brings the other one back
        self._odoo_return(delivery, 1)
        self.env["serial.generation.job"]._serial_runner_step()
        job = refund.serial_job_ids
        self.assertEqual(job.state, "failed")
        self.assertIn("no longer at the customer", job.error)
        self.assertEqual(product.qty_available, 2)
        self.assertFalse(
            self.env["stock.quant"].search(
                [
                    ("product_id", "=", product.id),
                    ("quantity", "<", 0),
                    ("location_id.usage", "in", ("internal", "customer")),
                ]
            )
        )


class TestEveryUnitComesBackAsOdoo(ReturnMatrixCase):
    """What a warehouse meets every week (#29), each flow both ways and with
    the fast path on and off: a unit comes back the way Odoo's Return
    brings it, with its package and owner, for the sale it belongs to, once."""

    def _each_switch(self, flow):
        """Run ``flow(tag)`` with the fast path on, then off."""
        for fast in (True, False):
            self.env["ir.config_parameter"].set_param(
                FAST_PATH_PARAMETER, "1" if fast else "0"
            )
            flow("fast" if fast else "plain")

    def _at_customers(self, state):
        return [quant for quant in state["quants"] if "Customers" in quant[1]]

    def _packed(self, tag, steps="ship_only"):
        """A delivery put in a pack, credited: back out of the pack."""
        self.warehouse.delivery_steps = steps
        odoo_product, our_product = self._pair(f"Packed {steps} {tag}", ["S1", "S2"])
        odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(
            odoo_product, 2, pack=True
        )
        self._odoo_return(odoo_delivery, 2)
        self._credit_note(invoice)
        order, delivery, invoice = self._sell_deliver_invoice(our_product, 2, pack=True)
        self.assertTrue(delivery.move_line_ids.result_package_id)
        wizard = self._wizard_form(self._credit_note(invoice)).save()
        self.assertEqual(wizard.line_ids.attach_lot_ids.mapped("name"), ["S1", "S2"])
        wizard.action_generate()
        state = self.assertSameEnd((odoo_order, odoo_product), (order, our_product))
        self.assertFalse(self._at_customers(state))
        self.assertEqual(order.order_line.qty_delivered, 0)
        return our_product

    def test_delivered_in_a_package(self):
        self._each_switch(self._packed)

    def test_delivered_in_a_package_pick_pack_ship(self):
        self._each_switch(lambda tag: self._packed(tag, "pick_pack_ship"))

    def test_hand_entered_return_after_a_packed_credit_note(self):
        def flow(tag):
            product = self._packed(tag)
            unit = self.env["stock.lot"].search(
                [("product_id", "=", product.id), ("name", "=", "S1")]
            )
            receipt = self._create_return_receipt([(product, 1)])
            form = self._wizard_form(receipt)
            # S1 is in our stock, not at the customer: nothing to propose
            self.assertFalse(form.line_ids.edit(0).attach_lot_ids)
            with form.line_ids.edit(0) as line:
                line.attach_lot_ids.add(unit)
                line.gen_quantity = 0
            wizard = form.save()
            self.assertNothingCreated(wizard.action_generate, message="S1")
            self.assertEqual(
                self._quants(unit, self.stock_location).mapped("quantity"), [1.0]
            )

        self._each_switch(flow)

    def test_owned_goods(self):
        def flow(tag):
            owner = self.env["res.partner"].create({"name": f"Consignor {tag}"})
            products = []
            for way in ("Odoo", "addon"):
                product = self._sold_product(f"Consigned {tag} ({way})")
                self._in_stock(product, ["S1", "S2"], owner=owner)
                products.append(product)
            odoo_order, odoo_delivery, invoice = self._sell_deliver_invoice(
                products[0], 2
            )
            self._odoo_return(odoo_delivery, 2)
            self._credit_note(invoice)
            order, _delivery, invoice = self._sell_deliver_invoice(products[1], 2)
            self._ours(self._credit_note(invoice))
            state = self.assertSameEnd((odoo_order, products[0]), (order, products[1]))
            back = [quant for quant in state["quants"] if quant[2] > 0]
            self.assertEqual({quant[4] for quant in back}, {owner.name})
            self.assertFalse(self._at_customers(state))
            # consigned goods are not the company's: nothing valued
            self.assertEqual(state["valuation"], [])

        self._each_switch(flow)

    def test_two_sales_of_one_customer(self):
        def flow(tag):
            ways = []
            for way in ("Odoo", "addon"):
                product = self._sold_product(f"Twice Sold {tag} ({way})")
                self._in_stock(product, ["S1"])
                first, first_delivery, first_invoice = self._sell_deliver_invoice(
                    product, 1
                )
                self._in_stock(product, ["S2"])
                second, second_delivery, second_invoice = self._sell_deliver_invoice(
                    product, 1
                )
                self.assertEqual(second_delivery.move_line_ids.lot_id.name, "S2")
                # S1 comes back with Odoo's own Return of the first sale
                self._odoo_return(first_delivery, 1)
                self._credit_note(first_invoice)
                if way == "Odoo":
                    self._odoo_return(second_delivery, 1)
                    self._credit_note(second_invoice)
                else:
                    wizard = self._wizard_form(self._credit_note(second_invoice)).save()
                    self.assertEqual(
                        wizard.line_ids.attach_lot_ids.mapped("name"), ["S2"]
                    )
                    self.assertEqual(wizard.line_ids.gen_quantity, 0)
                    wizard.action_generate()
                ways.append((first, second, product))
            (odoo_first, odoo_second, odoo_product), (first, second, product) = ways
            self.assertSameEnd((odoo_first, odoo_product), (first, product))
            state = self.assertSameEnd((odoo_second, odoo_product), (second, product))
            self.assertEqual(second.order_line.qty_delivered, 0)
            self.assertEqual(state["qty_available"], 2)
            self.assertFalse(self._at_customers(state))

        self._each_switch(flow)

    def test_one_returned_unit_on_two_lines(self):
        def flow(tag):
            product = self._sold_product(f"Walked-in {tag}")
            receipt = self._create_return_receipt([(product, 1)])
            self._generate(receipt)
            unit = receipt.serial_lot_ids
            refund = self._create_credit_note([(product, 1), (product, 1)])
            form = self._wizard_form(refund)
            # the unit is offered once, on the first line
            self.assertEqual(form.line_ids.edit(0).attach_lot_ids[:], unit)
            self.assertFalse(form.line_ids.edit(1).attach_lot_ids)
            self.assertEqual(form.line_ids.edit(1).gen_quantity, 1)
            with form.line_ids.edit(1) as line:
                line.attach_lot_ids.add(unit)
                line.gen_quantity = 0
            wizard = form.save()
            # OK refuses a plan that counts the unit twice, naming it
            self.assertNothingCreated(wizard.action_generate, message=unit.name)
            wizard = self._wizard_form(refund).save()
            wizard.action_generate()
            self.assertEqual(len(refund.serial_lot_ids), 2)
            self.assertIn(unit, refund.serial_lot_ids)
            self.assertEqual(
                [line._serial_quantities(refund) for line in refund.invoice_line_ids],
                [(1, 1), (1, 1)],
            )
            self.assertEqual(product.qty_available, 2)
            # and no other credit note takes it again
            other = self._create_credit_note([(product, 1)])
            self.assertFalse(self._wizard_form(other).save().line_ids.attach_lot_ids)

        self._each_switch(flow)

    def test_resold_unit_credited_again(self):
        def flow(tag):
            ways = []
            for way in ("Odoo", "addon"):
                product = self._sold_product(f"Refurbished {tag} ({way})")
                # a legacy credit note of another customer brought G1 in
                legacy = self._create_credit_note(
                    [(product, 1)], partner=self.other_customer
                )
                form = self._wizard_form(legacy)
                with form.line_ids.edit(0) as line:
                    line.serial_list = "G1"
                form.save().action_generate()
                # resold to our customer, delivered, invoiced
                order, delivery, invoice = self._sell_deliver_invoice(product, 1)
                self.assertEqual(delivery.move_line_ids.lot_id.name, "G1")
                if way == "Odoo":
                    self._odoo_return(delivery, 1)
                    self._credit_note(invoice)
                else:
                    wizard = self._wizard_form(self._credit_note(invoice)).save()
                    self.assertEqual(wizard.line_ids.attach_lot_ids.name, "G1")
                    self.assertEqual(wizard.line_ids.gen_quantity, 0)
                    wizard.action_generate()
                    self.assertEqual(wizard.lot_ids.name, "G1")
                ways.append((order, product))
            state = self.assertSameEnd(*ways, legacy=True)
            # the legacy receipt's -1 at the customers is all that is there
            self.assertEqual([quant[2] for quant in self._at_customers(state)], [-1.0])
            self.assertEqual(state["qty_available"], 1)

        self._each_switch(flow)
