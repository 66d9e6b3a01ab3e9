"""The service-center loop: Send to Vendor, Receive from Vendor, the service
history of a serial, and the provenance of generated serials."""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools.misc import format_datetime

from odoo.addons.everest_serial_gen.tests import test_tours
from odoo.addons.everest_serial_gen.tests.common import PACKAGE_MODEL, SerialGenCase


class VendorCase(SerialGenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Laptop Vendor", "is_company": True}
        )
        cls.serial_product.seller_ids = [Command.create({"partner_id": cls.vendor.id})]
        cls.vendor_location = cls.vendor.property_stock_supplier
        # Odoo's own way back to vendors: the return type of the receipts (a
        # database upgraded from 1.0 keeps the type it had set)
        cls.warehouse.serial_vendor_return_type_id = False
        cls.rtv_type = cls.warehouse._serial_vendor_return_type()

    def _returned_serials(self, count=2):
        """A customer return of ``count`` laptops, generated: serials in Out."""
        receipt = self._create_return_receipt([(self.serial_product, count)])
        self._generate(receipt)
        return receipt, receipt.serial_lot_ids

    def _send_form(self, lots, user=None):
        env = self.env(user=user) if user else self.env
        return Form(
            env["serial.send.vendor.wizard"].with_context(
                active_model="stock.lot", active_ids=lots.ids
            )
        )

    def _send(self, lots, validate=True, user=None):
        form = self._send_form(lots, user=user)
        form.validate_transfer = validate
        return self._transfers_of(form.save().action_send())

    def _receive(self, lots, replace=None, location=None, user=None):
        """Receive ``lots`` from the vendor; ``replace``: {lot: new name}."""
        replace = replace or {}
        env = self.env(user=user) if user else self.env
        form = Form(
            env["serial.vendor.receive.wizard"].with_context(serial_lot_ids=lots.ids)
        )
        if location:
            form.location_dest_id = location
        for index, lot in enumerate(lots):
            if lot in replace:
                with form.line_ids.edit(index) as line:
                    line.replace = True
                    line.new_serial = replace[lot]
        return self._transfers_of(form.save().action_receive())

    def _transfers_of(self, action):
        """The transfers the wizard's action opens, after its notification
        when they run in the background."""
        if action.get("tag") == "display_notification":
            action = action["params"]["next"]
        return self.env["stock.picking"].search(action["domain"])

    def _deliver(self, lots, partner):
        """A delivery of ``lots`` from where they are."""
        source = lots.location_id[:1] or self.stock_location
        delivery = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": source.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": lots.product_id.id,
                            "product_uom_qty": len(lots),
                            "product_uom": lots.product_id.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        self.assertEqual(delivery.move_line_ids.lot_id, lots)
        delivery.move_ids.picked = True
        delivery._serial_validate_done()
        return delivery


class TestVendor(VendorCase):
    def _assert_sent_to_vendor(self, receipt, lots):
        """Send to Vendor on ``lots``: one validated transfer to the
        product's vendor holds exactly them; the receipt leads to it."""
        form = self._send_form(lots)
        self.assertEqual(form.partner_id, self.vendor)
        action = form.save().action_send()
        vendor_return = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(action["views"], [(False, "form")])
        self.assertEqual(vendor_return.state, "done")
        self.assertEqual(vendor_return.partner_id, self.vendor)
        self.assertEqual(vendor_return.picking_type_id, self.rtv_type)
        self.assertEqual(vendor_return.picking_type_id.code, "outgoing")
        self.assertEqual(vendor_return.location_id, self.out_location)
        self.assertEqual(vendor_return.location_dest_id, self.vendor_location)
        self.assertEqual(vendor_return.move_line_ids.lot_id, lots)
        self.assertEqual(set(vendor_return.move_line_ids.mapped("quantity")), {1.0})
        self.assertFalse(self._quants(lots, self.out_location).filtered("quantity"))
        self.assertEqual(
            sum(self._quants(lots, self.vendor_location).mapped("quantity")), 2
        )
        self.assertTrue(all(lots.mapped("serial_at_vendor")))
        self.assertEqual(
            self.env["stock.lot"].search(
                [("serial_at_vendor", "=", True), ("id", "in", lots.ids)]
            ),
            lots,
        )
        # the return receipt's smart button leads to the vendor return
        self.assertEqual(receipt.serial_vendor_return_count, 1)
        smart = receipt.action_view_serial_vendor_returns()
        self.assertEqual(smart["res_id"], vendor_return.id)
        return vendor_return

    def _assert_replaced(self, vendor_receipt, original):
        """The vendor's receipt brought a replacement of ``original`` into
        stock, linked both ways."""
        self.assertEqual(vendor_receipt.state, "done")
        self.assertEqual(vendor_receipt.partner_id, self.vendor)
        self.assertEqual(vendor_receipt.picking_type_id, self.warehouse.in_type_id)
        replacement = vendor_receipt.move_line_ids.lot_id
        self.assertEqual(replacement.name, "MFR-REPL-1")
        self.assertEqual(replacement.product_id, self.serial_product)
        # back where the original left from for the vendor (#24)
        self.assertEqual(self._quants(replacement, self.out_location).quantity, 1)
        self.assertEqual(replacement.serial_replaces_lot_id, original)
        self.assertEqual(original.serial_replaced_by_ids, replacement)
        self.assertEqual(replacement.serial_origin, "replacement")
        self.assertEqual(replacement.serial_customer_id, self.customer)
        self.assertFalse(original.serial_at_vendor)
        return replacement

    def test_acceptance_service_loop(self):
        # 1. a receipt from a customer for 2 units without serials, generated
        receipt, lots = self._returned_serials(2)
        self.assertEqual(len(lots), 2)
        self.assertEqual(
            sum(self._quants(lots, self.out_location).mapped("quantity")), 2
        )

        # 2. select the two serials, Send to Vendor: a validated transfer to
        # the product's vendor holds exactly those serials
        vendor_return = self._assert_sent_to_vendor(receipt, lots)

        # 3. a replacement for one of them comes back from the vendor
        original, other = lots[0], lots[1]
        vendor_receipt = self._receive(original, replace={original: "MFR-REPL-1"})
        replacement = self._assert_replaced(vendor_receipt, original)
        self.assertTrue(other.serial_at_vendor)
        # the receipt answers the vendor return; the replaced serial says
        # which serial replaces it (#31)
        self.assertEqual(vendor_receipt.origin, vendor_return.name)
        self.assertEqual(vendor_return.origin, receipt.name)
        self.assertTrue(
            original.message_ids.filtered(
                lambda message: "Replaced by" in str(message.body)
                and replacement.name in str(message.body)
            )
        )

        # the usual delivery sends it to the customer
        delivery = self._deliver(replacement, self.customer)

        # 4. the original's service history shows every step, in order
        history = original.serial_history_line_ids
        self.assertEqual(
            history.picking_id.ids,
            [receipt.id, vendor_return.id, vendor_receipt.id, delivery.id],
        )
        self.assertEqual(
            [line._serial_service_step() for line in history],
            [
                "Customer return",
                "Vendor return",
                "Vendor receipt",
                "Delivery to customer",
            ],
        )
        html = str(original.serial_history_html)
        positions = [
            html.index(picking.name)
            for picking in (receipt, vendor_return, vendor_receipt, delivery)
        ]
        self.assertEqual(positions, sorted(positions))
        self.assertIn(f"data-oe-id='{vendor_return.id}'", html)
        # the replacement shows the same history, and points to the original
        self.assertEqual(replacement.serial_history_line_ids, history)

    def test_repaired_same_serial(self):
        _receipt, lots = self._returned_serials(1)
        self._send(lots)
        back = self._receive(lots)
        self.assertEqual(back.state, "done")
        self.assertEqual(back.move_line_ids.lot_id, lots)
        self.assertEqual(self._quants(lots, self.out_location).quantity, 1)
        self.assertFalse(lots.serial_at_vendor)
        self.assertFalse(lots.serial_replaced_by_ids)
        self.assertEqual(
            [line._serial_service_step() for line in lots.serial_history_line_ids],
            ["Customer return", "Vendor return", "Vendor receipt"],
        )

    def test_history_dates_in_the_users_time_zone(self):
        """The Service History shows each step's time in the user's time
        zone, as Odoo's own date fields do, on 18.0 and 19.0 (#31)."""
        _receipt, lots = self._returned_serials(1)
        line = lots.serial_history_line_ids[:1]
        user = new_test_user(
            self.env,
            login="svc_brussels",
            groups="stock.group_stock_user",
            tz="Europe/Brussels",
        )
        html = str(lots.with_user(user).serial_history_html)
        brussels = format_datetime(self.env, line.date, tz="Europe/Brussels")
        utc = format_datetime(self.env, line.date, tz="UTC")
        self.assertNotEqual(brussels, utc)
        self.assertIn(brussels, html)
        self.assertNotIn(utc, html)

    def test_replacement_named_from_sequence(self):
        _receipt, lots = self._returned_serials(1)
        self._send(lots)
        back = self._receive(lots, replace={lots: False})
        replacement = back.move_line_ids.lot_id
        self.assertNotEqual(replacement, lots)
        self.assertTrue(replacement.name.startswith("RMA-"))
        self.assertEqual(replacement.serial_replaces_lot_id, lots)

    def test_replacements_named_from_sequence(self):
        """Three replacements, one typed: the two others get the next two
        free numbers of the sequence, none twice."""
        _receipt, lots = self._returned_serials(3)
        self._send(lots)
        lots = lots.sorted("id")
        sequence = self.env["stock.lot"]._serial_sequence(self.company, lots.product_id)
        expected = [
            sequence.get_next_char(sequence.number_next_actual + step)
            for step in range(2)
        ]
        back = self._receive(
            lots, replace={lots[0]: False, lots[1]: "MFR-TYPED", lots[2]: False}
        )
        replacements = back.move_line_ids.lot_id.sorted(
            lambda lot: lot.serial_replaces_lot_id.id
        )
        self.assertEqual(replacements.serial_replaces_lot_id, lots)
        self.assertEqual(
            replacements.mapped("name"), [expected[0], "MFR-TYPED", expected[1]]
        )

    def test_replacement_goes_to_the_vendor_again(self):
        """A replacement is a serial like any other: sent, received, sent
        again and received again (#29), its vendor's quants whatever they
        sum to after the first trip."""
        _receipt, lots = self._returned_serials(1)
        self._send(lots)
        replacement = self._receive(lots, replace={lots: "MFR-1"}).move_line_ids.lot_id
        self.assertEqual(replacement.name, "MFR-1")
        self.assertFalse(replacement.serial_at_vendor)
        self.assertTrue(replacement.serial_can_send)
        for trip in range(2):
            self._send(replacement)
            self.assertTrue(replacement.serial_at_vendor, trip)
            self.assertIn(
                replacement,
                self.env["stock.lot"].search([("serial_at_vendor", "=", True)]),
            )
            back = self._receive(replacement)
            self.assertEqual(back.state, "done")
            self.assertEqual(back.move_line_ids.lot_id, replacement)
            self.assertFalse(replacement.serial_at_vendor, trip)
            self.assertEqual(replacement.location_id, self.out_location, trip)
            self.assertEqual(
                sum(self._quants(replacement, self.out_location).mapped("quantity")),
                1,
            )
        # the replaced serial stays replaced: it does not come back
        self.assertFalse(lots.serial_at_vendor)

    def test_send_without_validation(self):
        _receipt, lots = self._returned_serials(2)
        picking = self._send(lots, validate=False)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.move_line_ids.lot_id, lots)
        self.assertEqual(
            sum(self._quants(lots, self.out_location).mapped("reserved_quantity")), 2
        )
        picking._serial_validate_done()
        self.assertTrue(all(lots.mapped("serial_at_vendor")))

    def test_one_transfer_per_vendor_for_other_products(self):
        """Serials of two returns go in one transfer to the chosen vendor."""
        _r1, first = self._returned_serials(1)
        _r2, second = self._returned_serials(1)
        pickings = self._send(first | second)
        self.assertEqual(len(pickings), 1)
        self.assertEqual(pickings.move_line_ids.lot_id, first | second)
        self.assertEqual(len(pickings.move_ids), 1)

    def test_refused_serials_create_nothing(self):
        _receipt, lots = self._returned_serials(2)
        self._send(lots[0])
        wizard = self._send_form(lots).save()
        error = self.assertNothingCreated(wizard.action_send)
        self.assertIn(lots[0].name, str(error))
        self.assertIn("not in stock in an internal location", str(error))
        self.assertNotIn(lots[1].name, str(error))
        # a reserved serial is refused too
        self._send(lots[1], validate=False)
        error = self.assertNothingCreated(
            lambda: self.env["serial.vendor.return"].send(lots[1], self.vendor)
        )
        self.assertIn("reserved", str(error))
        # no vendor, no serials
        self.assertNothingCreated(
            lambda: self.env["serial.vendor.return"].send(lots, self.env["res.partner"])
        )
        self.assertNothingCreated(
            lambda: self.env["serial.vendor.return"].send(
                self.env["stock.lot"], self.vendor
            )
        )

    def test_receive_refused_create_nothing(self):
        _receipt, lots = self._returned_serials(2)
        service = self.env["serial.vendor.return"]
        # not at a vendor
        error = self.assertNothingCreated(
            lambda: service.receive([(lots[0], True, "NEW-1")])
        )
        self.assertIn("is not at a vendor", str(error))
        self._send(lots)
        # a replacement name already in use
        self.assertNothingCreated(
            lambda: service.receive([(lots[0], True, lots[1].name)]),
            error=ValidationError,
        )
        # the same name twice
        self.assertNothingCreated(
            lambda: service.receive([(lots[0], True, "DUP"), (lots[1], True, "DUP")]),
            error=ValidationError,
        )
        # a new name for a repaired serial
        self.assertNothingCreated(lambda: service.receive([(lots[0], False, "NEW-2")]))
        # not an internal destination
        self.assertNothingCreated(
            lambda: service.receive(
                [(lots[0], False, None)], location=self.customer_location
            )
        )
        # replaced already: not at the vendor any more
        service.receive([(lots[0], True, "NEW-3")])
        self.assertNothingCreated(lambda: service.receive([(lots[0], True, "NEW-4")]))

    def _send_as_it_is(self, **quant_values):
        """A returned serial moved, in Out, into a quant with
        ``quant_values`` (its package, its owner), then sent to the vendor:
        Odoo moves that quant, and nothing goes negative (#22)."""
        _receipt, lot = self._returned_serials(1)
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(
            self.serial_product, self.out_location, -1, lot_id=lot
        )
        Quant._update_available_quantity(
            self.serial_product, self.out_location, 1, lot_id=lot, **quant_values
        )
        vendor_return = self._send(lot)
        self.assertEqual(vendor_return.state, "done")
        line = vendor_return.move_line_ids
        for field, value in quant_values.items():
            self.assertEqual(line[field], value)
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("quantity", "!=", 0)]
        )
        self.assertEqual(
            sorted((quant.location_id.usage, quant.quantity) for quant in quants),
            [("customer", -1.0), ("supplier", 1.0)],
        )
        return vendor_return

    def test_packed_serial_leaves_its_package(self):
        package = self.env[PACKAGE_MODEL].create({"name": "RETURN-BOX"})
        self._send_as_it_is(package_id=package)

    def test_serial_owned_by_the_customer(self):
        vendor_return = self._send_as_it_is(owner_id=self.customer)
        self.assertEqual(
            vendor_return.move_line_ids.lot_id.quant_ids.filtered(
                lambda quant: quant.location_id.usage == "supplier"
            ).owner_id,
            self.customer,
        )

    def _serial_in_stock(self, name, location):
        """A serial of the serial product, one unit in ``location``."""
        lot = self.env["stock.lot"].create(
            {
                "name": name,
                "product_id": self.serial_product.id,
                "company_id": location.company_id.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            self.serial_product, location, 1, lot_id=lot
        )
        return lot

    def test_multi_company_split(self):
        company_b = self.env["res.company"].create({"name": "Service B"})
        self.env.user.company_ids |= company_b
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        lot_b = self._serial_in_stock("B-SN-1", warehouse_b.serial_out_location_id)
        _receipt, lot_a = self._returned_serials(1)
        env = self.env(
            context=dict(
                self.env.context, allowed_company_ids=[self.company.id, company_b.id]
            )
        )
        pickings = env["serial.vendor.return"].send(
            env["stock.lot"].browse((lot_a | lot_b).ids), self.vendor
        )
        self.assertEqual(len(pickings), 2)
        by_company = {picking.company_id: picking for picking in pickings}
        self.assertEqual(by_company[self.company].move_line_ids.lot_id, lot_a)
        self.assertEqual(by_company[company_b].move_line_ids.lot_id, lot_b)
        self.assertEqual(
            by_company[company_b].picking_type_id,
            warehouse_b._serial_vendor_return_type(),
        )
        self.assertEqual(by_company[company_b].state, "done")
        # a vendor of another company is refused
        vendor_a = self.env["res.partner"].create(
            {"name": "Vendor of A only", "company_id": self.company.id}
        )
        _receipt, lot_a2 = self._returned_serials(1)
        lot_b2 = self._serial_in_stock("B-SN-2", warehouse_b.serial_out_location_id)
        error = self.assertNothingCreated(
            lambda: env["serial.vendor.return"].send(
                env["stock.lot"].browse((lot_a2 | lot_b2).ids), vendor_a
            )
        )
        self.assertIn("B-SN-2", str(error))

    def test_serial_form(self):
        """A new serial's form computes the loop's fields; a sent one shows
        Receive from Vendor."""
        form = Form(self.env["stock.lot"])
        form.name = "HAND-1"
        form.product_id = self.serial_product
        self.assertFalse(form.serial_at_vendor)
        lot = form.save()
        self.assertFalse(lot.serial_history_html)
        _receipt, lots = self._returned_serials(1)
        self._send(lots)
        self.assertTrue(Form(lots).serial_at_vendor)

    def test_chatter_logs(self):
        _receipt, lots = self._returned_serials(2)
        picking = self._send(lots)
        self.assertTrue(
            picking.message_ids.filtered(
                lambda m: "sent these serial numbers to Laptop Vendor" in (m.body or "")
            )
        )
        for lot in lots:
            self.assertTrue(
                lot.message_ids.filtered(lambda m: picking.name in (m.body or ""))
            )


class TestProvenance(VendorCase):
    def test_return_provenance(self):
        _receipt, lots = self._returned_serials(2)
        self.assertEqual(set(lots.mapped("serial_origin")), {"return"})
        self.assertEqual(lots.serial_customer_id, self.customer)
        self.assertTrue(all(lots.mapped("serial_generated_date")))

    def test_credit_note_provenance_filter_and_group(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        self._generate(refund)
        lots = refund.serial_lot_ids
        self.assertEqual(set(lots.mapped("serial_origin")), {"credit_note"})
        self.assertEqual(lots.serial_customer_id, self.customer)
        found = self.env["stock.lot"].search([("serial_origin", "=", "credit_note")])
        self.assertEqual(found & lots, lots)
        groups = self.env["stock.lot"].read_group(
            [("id", "in", lots.ids)], ["serial_origin"], ["serial_origin"]
        )
        self.assertEqual(
            [(g["serial_origin"], g["serial_origin_count"]) for g in groups],
            [("credit_note", 2)],
        )

    def test_fields_written_by_the_addon_only(self):
        user = new_test_user(
            self.env, login="svc_user", groups="stock.group_stock_user"
        )
        _receipt, lots = self._returned_serials(2)
        lot = lots[0].with_user(user)
        for vals in (
            {"serial_origin": "credit_note"},
            {"serial_customer_id": self.vendor.id},
            {"serial_generated_date": "2020-01-01 00:00:00"},
            {"serial_replaces_lot_id": lots[1].id},
        ):
            with self.assertRaises(AccessError):
                lot.write(vals)
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(user).create(
                {
                    "name": "FORGED",
                    "product_id": self.serial_product.id,
                    "serial_replaces_lot_id": lots[1].id,
                }
            )


class TestVendorAccess(VendorCase):
    def test_inventory_user_runs_the_loop(self):
        user = new_test_user(
            self.env, login="svc_clerk", groups="stock.group_stock_user"
        )
        _receipt, lots = self._returned_serials(1)
        form = self._send_form(lots, user=user)
        self.assertEqual(form.partner_id, self.vendor)
        action = form.save().action_send()
        picking = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(picking.state, "done")
        # another user cannot read the wizard
        other = new_test_user(
            self.env, login="svc_other", groups="stock.group_stock_user"
        )
        wizard = self._send_form(lots, user=user).save()
        with self.assertRaises(AccessError):
            wizard.with_user(other).read(["partner_id"])

    def test_no_inventory_rights(self):
        user = new_test_user(self.env, login="svc_nobody", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["serial.send.vendor.wizard"].with_user(user).create({})
        with self.assertRaises(AccessError):
            self.env["serial.vendor.receive.wizard"].with_user(user).create({})


class TestVendorReturnType(VendorCase):
    def test_odoo_return_type_of_the_receipts(self):
        """Send to Vendor sends as Odoo's Return of a vendor receipt does, and
        a new warehouse gets no operation type of the addon's (#22): Odoo's
        own code that looks for "the" outgoing type of a warehouse finds
        one."""
        self.assertEqual(
            self.rtv_type,
            self.warehouse.in_type_id.return_picking_type_id
            or self.warehouse.out_type_id,
        )
        south = self.env["stock.warehouse"].create({"name": "South", "code": "STH"})
        outgoing = self.env["stock.picking.type"].search(
            [("warehouse_id", "=", south.id), ("code", "=", "outgoing")]
        )
        self.assertEqual(outgoing, south.out_type_id)
        self.assertFalse(south.serial_vendor_return_type_id)

    def test_the_warehouse_may_name_its_own(self):
        own_type = self.warehouse.out_type_id.copy({"name": "Back to Vendor"})
        self.warehouse.serial_vendor_return_type_id = own_type
        _receipt, lots = self._returned_serials(1)
        self.assertEqual(self._send(lots).picking_type_id, own_type)


class TestVendorTour(test_tours.TestTours):
    """The loop in a browser: a return's serials, Send to Vendor, done; one
    of them back from the vendor, replaced, and its service history."""

    # The tours of TestTours run from their own class.
    test_credit_note_tour = None
    test_return_receipt_tour = None
    test_reverse_from_the_action_menu_tour = None
    test_attach_tour = None
    test_retrieved_serial_tour = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tour_vendor = cls.env["res.partner"].create({"name": "Tour Vendor"})
        cls.laptop.seller_ids = [Command.create({"partner_id": cls.tour_vendor.id})]

    def _generated_laptops(self, quantity):
        """A customer return of ``quantity`` laptops, their serials generated."""
        receipt = self._create_return_receipt([(self.laptop, quantity)])
        self.env["serial.generate.wizard"].with_context(
            active_model="stock.picking", active_id=receipt.id
        ).create({}).action_generate()
        return receipt, receipt.serial_lot_ids

    def test_send_vendor_tour(self):
        receipt, lots = self._generated_laptops(2)
        self.assertEqual(len(lots), 2)

        self.start_tour(
            test_tours.web_client_url(
                f"action-stock.action_picking_tree_incoming/{receipt.id}"
            ),
            "everest_serial_gen_send_vendor_tour",
            login="admin",
        )

        self.env.invalidate_all()
        vendor_return = self.env["stock.picking"].search(
            [
                ("move_line_ids.lot_id", "in", lots.ids),
                ("partner_id", "=", self.tour_vendor.id),
            ]
        )
        self.assertEqual(len(vendor_return), 1)
        self.assertEqual(vendor_return.state, "done")
        self.assertEqual(vendor_return.move_line_ids.lot_id, lots)
        self.assertEqual(
            vendor_return.picking_type_id, self.warehouse._serial_vendor_return_type()
        )
        self.assertTrue(all(lots.mapped("serial_at_vendor")))

        # Receive from Vendor on the form of the first serial: replaced
        original = lots[0]
        self.start_tour(
            test_tours.web_client_url(
                f"action-stock.action_production_lot_form/{original.id}"
            ),
            "everest_serial_gen_receive_vendor_tour",
            login="admin",
        )

        self.env.invalidate_all()
        replacement = original.serial_replaced_by_ids
        self.assertEqual(replacement.name, "TOUR-REPL-1")
        self.assertEqual(replacement.serial_replaces_lot_id, original)
        self.assertEqual(replacement.serial_origin, "replacement")
        vendor_receipt = self.env["stock.picking"].search(
            [("move_line_ids.lot_id", "=", replacement.id)]
        )
        self.assertEqual(vendor_receipt.state, "done")
        self.assertEqual(vendor_receipt.partner_id, self.tour_vendor)
        self.assertEqual(
            self._quantities(replacement),
            {("TOUR-REPL-1", self.warehouse.serial_out_location_id): 1.0},
        )
        self.assertEqual([lot.serial_at_vendor for lot in lots], [False, True])
        self.assertEqual(
            [line._serial_service_step() for line in original.serial_history_line_ids],
            ["Customer return", "Vendor return", "Vendor receipt"],
        )
