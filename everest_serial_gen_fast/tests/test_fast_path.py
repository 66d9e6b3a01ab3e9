from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.everest_serial_gen.tests.common import (
    PACKAGE_MODEL,
    valuation,
)

from ..tools import batch
from ..tools.batch import FAST_PATH_PARAMETER, SMALLEST_BATCH
from .common import FastPathCase

NOW = "2026-11-26 10:00:00"


# What the snapshot compares, per record
MOVE_FIELDS = "state picked quantity product_uom_qty date location_dest_id".split()
MOVE_LINE_FIELDS = """state picked quantity quantity_product_uom date location_id
    location_dest_id package_id owner_id""".split()
QUANT_FIELDS = """location_id quantity reserved_quantity in_date company_id
    inventory_date inventory_diff_quantity inventory_quantity
    inventory_quantity_set package_id owner_id storage_category_id""".split()
HISTORY_FIELDS = "location_id location_dest_id quantity state date".split()


def _values(records, names, ids=False):
    """The values of ``names`` per record, relations as records (or ids)."""
    return [
        tuple(
            record[name].id if ids and record._fields[name].relational else record[name]
            for name in names
        )
        for record in records
    ]


class TestFastPath(FastPathCase):
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
            "moves": _values(picking.move_ids, MOVE_FIELDS),
            "move_lines": sorted(
                (*values, bool(line.lot_id))
                for line, values in zip(
                    picking.move_line_ids,
                    _values(picking.move_line_ids, MOVE_LINE_FIELDS),
                    strict=True,
                )
            ),
            "quants": sorted(_values(quants, QUANT_FIELDS, ids=True)),
            "quants_per_lot": sorted(len(q) for q in quants.grouped("lot_id").values()),
            "lots": _values(lots, ("location_id", "product_qty", "product_uom_id")),
            "history": [
                _values(
                    self.env["stock.move.line"].search(
                        [("lot_id", "=", lot.id)], order="id"
                    ),
                    HISTORY_FIELDS,
                )
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
        self.assertEqual(self._fast_done_calls(wizard.action_generate), [3])

    def test_falls_back_for_owners(self):
        """Consignment: a line with an owner takes Odoo's own path."""
        owner = self.env["res.partner"].create({"name": "Owner"})
        receipt = self._create_return_receipt([(self.addon_product, 2)])
        wizard, _action = self._generate(receipt, validate_transfer=False)
        receipt.move_line_ids[0].owner_id = owner
        fast = receipt.move_line_ids.with_context(
            serial_batch=True
        )._serial_fast_done_lines()
        self.assertEqual(fast, receipt.move_line_ids[1])
        receipt.with_context(serial_batch=True).button_validate()
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
            lines.with_context(serial_batch=True)._serial_fast_done_lines()
        )
        receipt.with_context(serial_batch=True).button_validate()
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


class TestFastPathSwitchedOff(TestFastPath):
    """The same comparisons with the fast path switched off (the system
    parameter everest_serial_gen.fast_path = 0): Odoo's plain create() and
    _action_done() for every batch (#23)."""

    # the fast path's own choices of lines: switched off, it takes none
    test_falls_back_for_owners = None
    test_falls_back_when_a_module_overrides_quants = None

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, "0")

    def test_fast_path_is_used(self):
        """Switched off, it is not."""
        refund = self._create_credit_note([(self.addon_product, 3)])
        wizard = self._wizard_form(refund).save()
        MoveLine = self.env.registry["stock.move.line"]
        calls = []
        with (
            patch.object(MoveLine, "_serial_fast_done", lambda lines: calls.append(1)),
            patch.object(
                batch, "_copy_row", side_effect=AssertionError("copied")
            ) as copy_row,
        ):
            wizard.action_generate()
        self.assertEqual(calls, [])
        copy_row.assert_not_called()
        self.assertEqual(len(refund.serial_lot_ids), 3)


class TestSmallestBatch(FastPathCase):
    """The speed layer takes batches from the smallest the system parameter
    gives (SMALLEST_BATCH when unset): the few serials of an everyday
    return go through Odoo's own code record by record."""

    def _ok(self, count):
        """The fast batches of one OK of ``count`` new serials on a credit
        note, and the serials it made."""
        refund = self._create_credit_note([(self.serial_product, count)])
        wizard = self._wizard_form(refund).save()
        calls = self._fast_done_calls(wizard.action_generate)
        self.assertEqual(len(refund.serial_lot_ids), count)
        self.assertEqual(
            refund.serial_picking_ids.move_line_ids.lot_id, refund.serial_lot_ids
        )
        return calls

    def test_unset_takes_from_the_default(self):
        # set_param(False) removes the parameter, as a new database has it
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, False)
        self.assertEqual(self._ok(SMALLEST_BATCH - 1), [])
        self.assertEqual(self._ok(SMALLEST_BATCH), [SMALLEST_BATCH])

    def test_the_parameter_gives_the_smallest_batch(self):
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, "5")
        self.assertEqual(self._ok(4), [])
        self.assertEqual(self._ok(5), [5])
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, "1")
        self.assertEqual(self._ok(2), [2])
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, "0")
        self.assertEqual(self._ok(SMALLEST_BATCH), [])


class TestStoredAsOdoo(FastPathCase):
    """Every stored column of the lots, move lines and quants the addon
    creates holds what Odoo's own flow stores for the same input (#22): a
    return receipt from the customer, serials generated and validated."""

    # what tells the two flows' records apart, not what they store
    OWN = {
        "stock_lot": {
            "id",
            "name",
            "product_id",
            "serial_origin",
            "serial_customer_id",
            "serial_generated_date",
            "serial_document_ref",
        },
        "stock_move_line": {
            "id",
            "move_id",
            "picking_id",
            "product_id",
            "lot_id",
            "lot_name",
            "reference",
        },
        "stock_quant": {"id", "product_id", "lot_id"},
    }

    def _rows(self, table, ids):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT * FROM %s WHERE id = ANY(%s)", SQL.identifier(table), ids)
        )
        names = [column.name for column in self.env.cr.description]
        return sorted(
            (
                tuple(
                    (name, value)
                    for name, value in zip(names, row, strict=True)
                    if name not in self.OWN[table]
                )
                for row in self.env.cr.fetchall()
            ),
            key=repr,
        )

    def _stored(self, picking):
        lots = picking.move_line_ids.lot_id
        quants = self.env["stock.quant"].search([("lot_id", "in", lots.ids)])
        return {
            "stock_lot": self._rows("stock_lot", lots.ids),
            "stock_move_line": self._rows("stock_move_line", picking.move_line_ids.ids),
            "stock_quant": self._rows("stock_quant", quants.ids),
        }

    def _odoo_lines(self, receipt, count):
        """Odoo's Generate Serials on the receipt's move."""
        receipt.move_ids._generate_serial_numbers("ODOO-0001", count)

    def _compare(self, product_values):
        odoo_product = self._create_product("Odoo Stored", "serial", **product_values)
        our_product = self._create_product("Addon Stored", "serial", **product_values)
        with freeze_time(NOW):
            odoo = self._create_return_receipt(
                [(odoo_product, 4)], confirm=False, destination=self.out_location
            )
            self._odoo_lines(odoo, 4)
            odoo.button_validate()
            ours = self._create_return_receipt([(our_product, 4)])
            self._generate(ours)
        odoo_rows, our_rows = self._stored(odoo), self._stored(ours)
        for table, rows in odoo_rows.items():
            self.assertEqual(len(our_rows[table]), len(rows), table)
            for odoo_row, our_row in zip(rows, our_rows[table], strict=True):
                self.assertEqual(dict(our_row), dict(odoo_row), table)
        return ours

    def test_shared_product(self):
        ours = self._compare({})
        self.assertFalse(ours.move_line_ids.lot_id.company_id)

    def test_product_of_the_company(self):
        ours = self._compare({"company_id": self.company.id})
        self.assertEqual(ours.move_line_ids.lot_id.company_id, self.company)


class TestLotBatch(FastPathCase):
    """Lots copied from the first of their batch hold what create() stores."""

    def _rows(self, records, varying="name"):
        """The stored columns of ``records``, but their id and ``varying``."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT * FROM %s WHERE id = ANY(%s) ORDER BY id",
                SQL.identifier(records._table),
                records.ids,
            )
        )
        names = [column.name for column in self.env.cr.description]
        return [
            {k: v for k, v in zip(names, row, strict=True) if k not in ("id", varying)}
            for row in self.env.cr.fetchall()
        ]

    def _vals(self, prefix, count):
        customer = self.customer.id
        return [
            {
                "name": f"{prefix}-{index}",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
                "serial_origin": "credit_note",
                "serial_customer_id": customer,
            }
            for index in range(count)
        ]

    def _lots(self):
        """As the generator creates lots: no creation message per lot."""
        return self.env["stock.lot"].sudo().with_context(mail_create_nolog=True)

    def test_same_rows_as_create(self):
        Lot = self._lots()
        self.assertTrue(Lot._serial_batch_supported(self._vals("X", 1)))
        # a creation message per lot would not be copied
        self.assertFalse(
            self.env["stock.lot"].sudo()._serial_batch_supported(self._vals("X", 1))
        )
        created = Lot.create(self._vals("CREATE", 3))
        batch = Lot._serial_create_lots(self._vals("BATCH", 3))
        self.assertEqual(batch.mapped("name"), ["BATCH-0", "BATCH-1", "BATCH-2"])
        self.assertEqual(len(set(batch.ids)), 3)
        self.assertEqual(self._rows(batch), self._rows(created))
        # the ORM knows them as created: read from the cache and the database
        self.assertEqual(batch.product_id, self.serial_product)
        self.assertEqual(
            self.env["stock.lot"].search([("name", "=like", "BATCH-%")]), batch
        )

    @freeze_time(NOW)
    def test_move_lines_same_rows_as_create(self):
        receipt = self._create_return_receipt([(self.serial_product, 6)], confirm=False)
        move = receipt.move_ids
        lots = self._lots()._serial_create_lots(self._vals("ML", 6))
        vals = [
            dict(move._prepare_move_line_vals(quantity=1.0), lot_id=lot.id)
            for lot in lots
        ]
        Line = self.env["stock.move.line"]
        created = Line.create(vals[:3])
        batch = Line._serial_create_batch(vals[3:])
        self.assertEqual(batch.lot_id, lots[3:])
        self.assertEqual(self._rows(batch, "lot_id"), self._rows(created, "lot_id"))
        self.assertEqual(move.move_line_ids, created | batch)
        self.assertEqual(move.quantity, 6)

    def test_a_taken_name_creates_nothing(self):
        Lot = self._lots()
        Lot.create(self._vals("TAKEN", 3)[2:])
        before = self._counts()
        with self.assertRaises(ValidationError):
            Lot._serial_create_lots(self._vals("TAKEN", 3))
        self.assertEqual(self._counts(), before)

    def test_falls_back_when_a_module_overrides_create(self):
        Lot = self.env.registry["stock.lot"]
        Other = type("Other", (), {"create": lambda self, vals_list: None})
        Other.__module__ = "odoo.addons.some_module.models"
        original = Lot.__bases__
        Lot.__bases__ = (Other, *original)
        try:
            self.assertFalse(self._lots()._serial_batch_supported(self._vals("X", 1)))
        finally:
            Lot.__bases__ = original


class TestQueryCount(FastPathCase):
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


class TestFastPathTakesOnlyWhatOdooAccepts(FastPathCase):
    def test_serial_line_of_two_units(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        self._generate(receipt, validate_transfer=False)
        line = receipt.move_line_ids[0]
        line.quantity = 2  # as an RPC caller or an import could
        counts = self._counts()
        with self.assertRaisesRegex(
            (UserError, ValidationError), "serial number has already been assigned"
        ):
            with self.env.cr.savepoint():
                receipt.with_context(serial_batch=True).button_validate()
        self.assertEqual(self._counts(), counts)

    def test_same_lot_on_a_slow_and_a_fast_line(self):
        receipt = self._create_return_receipt([(self.lot_product, 5)])
        self._generate(receipt, validate_transfer=False)
        line = receipt.move_line_ids
        line.quantity = 3
        package = self.env[PACKAGE_MODEL].create({"name": "BOX"})
        line.copy({"quantity": 2, "result_package_id": package.id})
        receipt.with_context(serial_batch=True).button_validate()
        self.assertEqual(receipt.state, "done")
        quants = self.env["stock.quant"].search([("lot_id", "=", line.lot_id.id)])
        keys = [(q.location_id, q.package_id) for q in quants]
        self.assertEqual(len(keys), len(set(keys)), keys)
        self.assertEqual(sorted(quants.mapped("quantity")), [-5.0, 2.0, 3.0])


class TestStaysBothWays(FastPathCase):
    """Where a unit is (``stock.lot._serial_stays``), read with the speed
    layer's one query per batch of serials and with the core's reading of
    every done line: the same stays, record for record."""

    def _done(self, lots, source, destination, package=None, owner=None):
        """One done move per lot of ``lots`` from ``source`` to
        ``destination``, into ``package`` for ``owner``."""
        moves = self.env["stock.move"].create(
            [
                {
                    "product_id": lot.product_id.id,
                    "product_uom_qty": 1.0,
                    "product_uom": lot.product_id.uom_id.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "move_line_ids": [
                        Command.create(
                            {
                                "product_id": lot.product_id.id,
                                "lot_id": lot.id,
                                "quantity": 1.0,
                                "location_id": source.id,
                                "location_dest_id": destination.id,
                                "result_package_id": package and package.id,
                                "owner_id": owner and owner.id,
                            }
                        )
                    ],
                }
                for lot in lots
            ]
        )
        moves._action_confirm()
        moves.picked = True
        moves._action_done()
        self.assertEqual(set(moves.mapped("state")), {"done"})

    def setUp(self):
        super().setUp()
        self.admin = self.env.ref("base.user_admin")

    def _stays(self, lots, usage, fast):
        """{name: the stay of each of ``lots`` at ``usage``}, read by a user."""
        self.env["ir.config_parameter"].set_param(
            FAST_PATH_PARAMETER, "1" if fast else "0"
        )
        self.env.invalidate_all()
        return {
            lot.name: (
                stay.lot.name,
                stay.location,
                stay.package,
                stay.owner,
                stay.units,
                stay.line,
                stay.lot.env.su,
            )
            for lot, stay in lots.with_user(self.admin)._serial_stays(usage).items()
        }

    def test_same_stays(self):
        Lot = self.env["stock.lot"]
        lots = Lot.create(
            [
                {"name": f"STAY-{index}", "product_id": self.serial_product.id}
                for index in range(7)
            ]
        )
        delivered, packed, back, resold, imported, nowhere, vendor = lots
        supplier = self.env.ref("stock.stock_location_suppliers")
        package = self.env[PACKAGE_MODEL].create({"name": "STAY-BOX"})
        owner = self.env["res.partner"].create({"name": "Stay Owner"})
        self._done(lots - imported - nowhere, supplier, self.stock_location)
        self._done(
            delivered | back | resold, self.stock_location, self.customer_location
        )
        self._done(packed, self.stock_location, self.customer_location, package, owner)
        self._done(back | resold, self.customer_location, self.stock_location)
        self._done(resold, self.stock_location, self.customer_location)
        self._done(vendor, self.stock_location, supplier)
        self.env["stock.quant"]._update_available_quantity(
            self.serial_product, self.customer_location, 1.0, lot_id=imported
        )
        reel = Lot.create({"name": "STAY-REEL", "product_id": self.lot_product.id})
        self._done(reel, supplier, self.stock_location)
        self._done(reel, self.stock_location, self.customer_location)
        everything = lots | reel
        for usage in ("customer", "supplier"):
            fast, core = (self._stays(everything, usage, on) for on in (True, False))
            self.assertEqual(fast, core, usage)
        at_customer = self._stays(everything, "customer", True)
        self.assertEqual(
            sorted(at_customer),
            ["STAY-0", "STAY-1", "STAY-3", "STAY-4", "STAY-REEL"],
        )
        self.assertEqual(
            at_customer["STAY-1"][1:4], (self.customer_location, package, owner)
        )
        self.assertFalse(at_customer["STAY-1"][6], "given back as the user")
        self.assertEqual(sorted(self._stays(everything, "supplier", True)), ["STAY-6"])
