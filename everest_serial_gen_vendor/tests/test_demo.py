"""What the demo data of the service-center loop shows
(demo/serial_vendor_demo.xml): a customer return of 2 laptops, both sent to
the vendor, one received back replaced."""

import unittest

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoServiceLoop(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls.env.ref("base.module_everest_serial_gen_vendor")
        if not module.demo:
            # A database without demo data: nothing to check. Installed with
            # demo data, the records must be there (env.ref fails otherwise).
            raise unittest.SkipTest("installed without demo data")
        cls.receipt = cls.env.ref("everest_serial_gen_vendor.demo_loop_return_receipt")
        cls.laptop = cls.env.ref("everest_serial_gen.demo_product_laptop")
        cls.vendor = cls.env.ref("everest_serial_gen_vendor.demo_vendor")
        cls.customer = cls.env.ref("base.res_partner_12")
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.lots = cls.receipt.serial_lot_ids
        cls.vendor_return = cls.env["stock.picking"].search(
            [
                ("move_line_ids.lot_id", "in", cls.lots.ids),
                ("location_dest_id.usage", "=", "supplier"),
            ]
        )
        cls.replacement = cls.env["stock.lot"].search(
            [("name", "=", "DEMO-MFR-0001"), ("product_id", "=", cls.laptop.id)]
        )
        cls.original = cls.replacement.serial_replaces_lot_id
        cls.other = cls.lots - cls.original
        cls.vendor_receipt = cls.env["stock.picking"].search(
            [
                ("move_line_ids.lot_id", "=", cls.replacement.id),
                ("location_id.usage", "=", "supplier"),
            ]
        )

    def _quantities(self, lots, usage):
        """{(serial, location): quantity} of ``lots`` in locations of ``usage``."""
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", lots.ids),
                ("location_id.usage", "=", usage),
                ("quantity", "!=", 0),
            ]
        )
        return {(q.lot_id.name, q.location_id): q.quantity for q in quants}

    def test_customer_return_generated(self):
        self.assertEqual(self.receipt.state, "done")
        self.assertEqual(self.receipt.partner_id, self.customer)
        self.assertTrue(self.receipt.origin.startswith("DEMO "))
        self.assertEqual(len(self.lots), 2)
        self.assertEqual(self.lots.product_id, self.laptop)
        self.assertEqual(set(self.lots.mapped("serial_origin")), {"return"})
        self.assertEqual(self.lots.serial_customer_id, self.customer)
        out = self.warehouse.serial_out_location_id
        self.assertTrue(out)
        self.assertEqual(self.receipt.move_line_ids.lot_id, self.lots)
        self.assertEqual(set(self.receipt.move_line_ids.location_dest_id), {out})

    def test_both_serials_sent_to_the_vendor(self):
        self.assertEqual(len(self.vendor_return), 1)
        self.assertEqual(self.vendor_return.state, "done")
        self.assertEqual(self.vendor_return.partner_id, self.vendor)
        self.assertEqual(
            self.vendor_return.picking_type_id,
            self.warehouse._serial_vendor_return_type(),
        )
        self.assertEqual(
            self.vendor_return.location_id, self.warehouse.serial_out_location_id
        )
        self.assertEqual(
            self.vendor_return.location_dest_id,
            self.vendor.property_stock_supplier,
        )
        self.assertEqual(self.vendor_return.move_line_ids.lot_id, self.lots)
        self.assertEqual(
            self.vendor_return.move_line_ids.mapped("quantity"), [1.0, 1.0]
        )
        self.assertEqual(self.vendor_return.origin, self.receipt.name)
        # the return receipt's smart button leads to it
        self.assertEqual(self.receipt.serial_vendor_return_count, 1)
        self.assertEqual(
            self.receipt.action_view_serial_vendor_returns()["res_id"],
            self.vendor_return.id,
        )

    def test_one_replaced_one_still_at_the_vendor(self):
        self.assertEqual(len(self.replacement), 1)
        self.assertEqual(len(self.original), 1)
        self.assertIn(self.original, self.lots)
        self.assertEqual(len(self.other), 1)
        self.assertEqual(self.original.serial_replaced_by_ids, self.replacement)
        self.assertFalse(self.other.serial_replaced_by_ids)
        self.assertEqual(self.replacement.serial_origin, "replacement")
        self.assertEqual(self.replacement.serial_customer_id, self.customer)
        self.assertEqual(
            [lot.serial_at_vendor for lot in (self.original, self.other)],
            [False, True],
        )
        self.assertFalse(self.replacement.serial_at_vendor)

        self.assertEqual(len(self.vendor_receipt), 1)
        self.assertEqual(self.vendor_receipt.state, "done")
        self.assertEqual(self.vendor_receipt.partner_id, self.vendor)
        self.assertEqual(self.vendor_receipt.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(self.vendor_receipt.move_line_ids.lot_id, self.replacement)

    def test_where_the_serials_are(self):
        vendor_location = self.vendor.property_stock_supplier
        chain = self.lots | self.replacement
        # the replacement is back where the serials left from (Returns Out),
        # ready to deliver; nothing else is left in the warehouse
        out = self.warehouse.serial_out_location_id
        self.assertEqual(
            self._quantities(chain, "internal"), {(self.replacement.name, out): 1.0}
        )
        # the vendor holds the one it did not send back (and the replaced one,
        # which it keeps)
        at_vendor = self._quantities(self.lots, "supplier")
        self.assertEqual(
            at_vendor,
            {
                (self.other.name, vendor_location): 1.0,
                (self.original.name, vendor_location): 1.0,
            },
        )
        self.assertEqual(
            self.env["stock.lot"].search(
                [("serial_at_vendor", "=", True), ("id", "in", chain.ids)]
            ),
            self.other,
        )

    def test_service_history(self):
        history = self.original.serial_history_line_ids
        self.assertEqual(
            history.picking_id.ids,
            [self.receipt.id, self.vendor_return.id, self.vendor_receipt.id],
        )
        self.assertEqual(
            [line._serial_service_step() for line in history],
            ["Customer return", "Vendor return", "Vendor receipt"],
        )
        self.assertEqual(
            [line.lot_id for line in history],
            [self.original, self.original, self.replacement],
        )
        html = str(self.original.serial_history_html)
        positions = [
            html.index(picking.name)
            for picking in (self.receipt, self.vendor_return, self.vendor_receipt)
        ]
        self.assertEqual(positions, sorted(positions))
        # the replacement shows the same history
        self.assertEqual(self.replacement.serial_history_line_ids, history)
        # the other serial went to the vendor and stays there
        self.assertEqual(
            [
                line._serial_service_step()
                for line in self.other.serial_history_line_ids
            ],
            ["Customer return", "Vendor return"],
        )
