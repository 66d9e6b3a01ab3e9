from freezegun import freeze_time

from .common import PACKAGE_MODEL, SerialGenCase, valuation

NOW = "2026-11-26 10:00:00"


class TestFastPath(SerialGenCase):
    """The addon's batch validation gives what Odoo's own gives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        category = cls.env["product.category"].create(
            {"name": "Valued", "property_cost_method": "average"}
        )
        cls.odoo_product = cls._create_product(
            "Odoo Laptop", "serial", categ_id=category.id
        )
        cls.addon_product = cls._create_product(
            "Addon Laptop", "serial", categ_id=category.id
        )

    def _odoo_flow(self, product, count):
        """Odoo's Generate Serials on a customer receipt, then Validate."""
        receipt = self._create_return_receipt([(product, count)], confirm=False)
        receipt.move_ids._generate_serial_numbers("ODOO-0001", count)
        receipt.button_validate()
        return receipt

    def _addon_flow(self, product, count):
        refund = self._create_credit_note([(product, count)])
        self._generate(refund, quantities={0: count})
        return refund.serial_picking_ids

    def _snapshot(self, picking):
        """What a user sees of the result, without names and ids."""
        lots = picking.move_line_ids.lot_id.sorted("name")
        quants = self.env["stock.quant"].search([("lot_id", "in", lots.ids)])
        return {
            "picking": picking.read(
                ["state", "date_done", "location_id", "location_dest_id"]
            )[0]
            | {"id": None},
            "moves": [
                (
                    m.state,
                    m.picked,
                    m.quantity,
                    m.product_uom_qty,
                    m.date,
                    m.location_dest_id,
                )
                for m in picking.move_ids
            ],
            "move_lines": sorted(
                (
                    ml.state,
                    ml.picked,
                    ml.quantity,
                    ml.quantity_product_uom,
                    ml.date,
                    ml.location_id,
                    ml.location_dest_id,
                    bool(ml.lot_id),
                    ml.package_id,
                    ml.owner_id,
                )
                for ml in picking.move_line_ids
            ),
            "quants": sorted(
                (
                    q.location_id.id,
                    q.quantity,
                    q.reserved_quantity,
                    q.in_date,
                    q.company_id.id,
                    q.inventory_date,
                    q.inventory_diff_quantity,
                    q.inventory_quantity,
                    q.inventory_quantity_set,
                    q.package_id.id,
                    q.owner_id.id,
                    q.storage_category_id.id,
                )
                for q in quants
            ),
            "quants_per_lot": sorted(len(q) for q in quants.grouped("lot_id").values()),
            "lots": [
                (lot.location_id, lot.product_qty, lot.product_uom_id) for lot in lots
            ],
            "history": [
                [
                    (
                        ml.location_id,
                        ml.location_dest_id,
                        ml.quantity,
                        ml.state,
                        ml.date,
                    )
                    for ml in self.env["stock.move.line"].search(
                        [("lot_id", "=", lot.id)], order="id"
                    )
                ]
                for lot in lots
            ],
            "valuation": valuation(picking.move_ids),
        }

    def test_same_result_as_odoo(self):
        with freeze_time(NOW):
            odoo_picking = self._odoo_flow(self.odoo_product, 12)
            addon_picking = self._addon_flow(self.addon_product, 12)
        odoo = self._snapshot(odoo_picking)
        addon = self._snapshot(addon_picking)
        self.assertEqual(len(odoo["quants"]), 24)
        for key in odoo:
            self.assertEqual(addon[key], odoo[key], key)
        self.assertEqual(
            self.addon_product.standard_price, self.odoo_product.standard_price
        )
        self.assertEqual(
            self.addon_product.qty_available, self.odoo_product.qty_available
        )

    def test_same_result_as_odoo_on_a_return(self):
        """The return path, into the Out location, against Odoo's own flow
        into the same location."""
        with freeze_time(NOW):
            receipt = self._create_return_receipt(
                [(self.odoo_product, 9)], confirm=False, destination=self.out_location
            )
            receipt.move_ids._generate_serial_numbers("ODOO-0001", 9)
            receipt.button_validate()
            returned = self._create_return_receipt([(self.addon_product, 9)])
            self._generate(returned)
        odoo = self._snapshot(receipt)
        addon = self._snapshot(returned)
        self.assertEqual(len(odoo["quants"]), 18)
        for key in odoo.keys() - {"picking"}:
            self.assertEqual(addon[key], odoo[key], key)

    def test_fast_path_is_used(self):
        refund = self._create_credit_note([(self.addon_product, 3)])
        wizard = self._wizard_form(refund).save()
        MoveLine = self.env.registry["stock.move.line"]
        calls = []
        original = MoveLine._serial_fast_done

        def spy(lines):
            calls.append(len(lines))
            return original(lines)

        MoveLine._serial_fast_done = spy
        try:
            wizard.action_generate()
        finally:
            MoveLine._serial_fast_done = original
        self.assertEqual(calls, [3])

    def test_falls_back_for_owners(self):
        """Consignment: a line with an owner takes Odoo's own path."""
        owner = self.env["res.partner"].create({"name": "Owner"})
        receipt = self._create_return_receipt([(self.addon_product, 2)])
        wizard, _action = self._generate(receipt, validate_transfer=False)
        receipt.move_line_ids[0].owner_id = owner
        fast = receipt.move_line_ids.with_context(
            serial_fast_done=True
        )._serial_fast_done_lines()
        self.assertEqual(fast, receipt.move_line_ids[1])
        receipt.with_context(serial_fast_done=True).button_validate()
        quants = self._quants(wizard.lot_ids, self.out_location)
        self.assertEqual(sorted(quants.mapped("quantity")), [1.0, 1.0])
        self.assertEqual(quants.owner_id, owner)

    def test_falls_back_for_known_lots_and_packages(self):
        receipt = self._create_return_receipt([(self.addon_product, 2)])
        wizard, _action = self._generate(receipt, validate_transfer=False)
        package = self.env[PACKAGE_MODEL].create({"name": "BOX"})
        lines = receipt.move_line_ids
        lines[0].result_package_id = package
        self.env["stock.quant"]._update_available_quantity(
            self.addon_product, self.customer_location, 1, lot_id=lines[1].lot_id
        )
        self.assertFalse(
            lines.with_context(serial_fast_done=True)._serial_fast_done_lines()
        )
        receipt.with_context(serial_fast_done=True).button_validate()
        self.assertEqual(receipt.state, "done")
        quants = self._quants(wizard.lot_ids, self.out_location)
        self.assertEqual(quants.filtered("package_id").package_id, package)

    def test_falls_back_when_a_module_overrides_quants(self):
        self.assertTrue(self.env["stock.move.line"]._serial_fast_done_supported())
        Quant = self.env.registry["stock.quant"]
        Other = type("Other", (), {"_update_available_quantity": lambda self: None})
        Other.__module__ = "odoo.addons.some_module.models"
        original = Quant.__bases__
        Quant.__bases__ = (Other, *original)
        try:
            self.assertFalse(self.env["stock.move.line"]._serial_fast_done_supported())
        finally:
            Quant.__bases__ = original


class TestQueryCount(SerialGenCase):
    def _queries(self, count):
        refund = self._create_credit_note([(self.serial_product, count)])
        wizard = self._wizard_form(refund).save()
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        wizard.action_generate()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_queries_grow_by_at_most_one_per_ten_serials(self):
        self._queries(5)  # warm up
        small, large = self._queries(50), self._queries(550)
        self.assertLessEqual(large - small, 500 / 10, (small, large))

    def test_lot_and_move_lines(self):
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.lot_product, 3), (self.serial_product, 1)]
        )
        self._generate(refund)
        picking = refund.serial_picking_ids
        self.assertEqual(len(picking.move_ids), 3)
        self.assertEqual(
            sorted(picking.move_line_ids.mapped("quantity")), [1.0, 1.0, 1.0, 3.0]
        )
        self.assertEqual(
            picking.move_ids.mapped("move_line_ids.move_id"), picking.move_ids
        )
        self.assertEqual(
            sorted(
                self._quants(refund.serial_lot_ids, self.customer_location).mapped(
                    "quantity"
                )
            ),
            [-3.0, -1.0, -1.0, -1.0],
        )
