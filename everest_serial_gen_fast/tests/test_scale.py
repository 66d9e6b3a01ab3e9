import json
from unittest.mock import patch

from psycopg2.errors import ExclusionViolation

from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import drop_constraint

from odoo.addons.everest_serial_gen.tests.common import SerialGenCase

# the btree of the uniqueness constraint (lot_uniqueness.py)
INDEX = "stock_lot_serial_lot_unique"
TRIGRAM_INDEX = "stock_lot__name_index"


class TestScale(SerialGenCase):
    """Name checks on stock_lot stay index lookups whatever its size (#14)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Enough lots, over two products, that PostgreSQL prefers an index to
        # reading the table.
        other = cls._create_product("Tablet", "serial")
        cls.env["stock.lot"].with_context(mail_create_nolog=True).create(
            [
                {"name": f"SCALE-{index:05d}", "product_id": product.id}
                for product in (cls.serial_product, other)
                for index in range(2500)
            ]
        )
        cls.lots = cls.env["stock.lot"].search(
            [("product_id", "=", cls.serial_product.id)], order="id", limit=1000
        )
        cls.env.flush_all()
        # autovacuum's own ANALYZE of the committed table (without these
        # lots) would overwrite the size PostgreSQL plans with, whenever it
        # comes by: not while this class runs (its transaction ends with it)
        cls.env.cr.execute(
            SQL("ALTER TABLE stock_lot SET (autovacuum_enabled = false)")
        )
        # ANALYZE samples 300 rows per statistics target unit: the rows the
        # earlier tests of the run rolled back, which autovacuum may or may
        # not have cleaned yet, would make the sample and the plan vary from
        # run to run; a target that reads every row of the table does not
        cls.env.cr.execute(SQL("SET LOCAL default_statistics_target = 10000"))
        cls.env.cr.execute(SQL("ANALYZE stock_lot"))

    def _queries(self, call):
        """The queries on stock_lot that ``call`` runs, as SQL objects."""
        queries = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            if isinstance(query, SQL) and "stock_lot" in query.code:
                queries.append(query)
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            call()
        return queries

    def _plan_indexes(self, query):
        """The scans of stock_lot in PostgreSQL's plan of ``query``: index
        names, or 'Seq Scan'."""
        # the size of the table as this transaction sees it, right before
        self.env.cr.execute(SQL("ANALYZE stock_lot"))
        self.env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
        plan = self.env.cr.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        scans, nodes = [], [plan[0]["Plan"]]
        while nodes:
            node = nodes.pop()
            nodes += node.get("Plans", [])
            if node.get("Relation Name") == "stock_lot" or "Index Name" in node:
                scans.append(node.get("Index Name") or node["Node Type"])
        return scans

    def assertUsesIndex(self, query):
        scans = self._plan_indexes(query)
        self.assertIn(INDEX, scans, f"plan of {query.code[:200]}")
        self.assertNotIn(TRIGRAM_INDEX, scans)
        self.assertNotIn("Seq Scan", scans)

    def _addon_check_query(self):
        # a chunk's check: names that exist and names that do not
        names = self.lots.mapped("name") + [f"NEW-{index}" for index in range(1000)]
        queries = self._queries(
            lambda: self.env["stock.lot"]._serial_existing_names(
                self.company, self.serial_product, names
            )
        )
        self.assertTrue(queries)
        return queries[-1]

    def test_index_exists(self):
        self.env.cr.execute(
            SQL(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'stock_lot' "
                "AND indexname = %s",
                INDEX,
            )
        )
        row = self.env.cr.fetchone()
        self.assertTrue(row, f"index {INDEX} is missing")
        self.assertIn("btree (product_id, name, COALESCE(company_id, 0))", row[0])

    def test_addon_name_check_uses_the_index(self):
        self.assertUsesIndex(self._addon_check_query())

    def test_odoo_unique_lot_check_uses_the_index(self):
        """Odoo's own constraint runs on every lot created anywhere (receipts,
        imports): it looks names up through the btree too, and still refuses
        duplicates."""
        queries = [
            query
            for query in self._queries(lambda: self.lots._check_unique_lot())
            if "LATERAL" in query.code
        ]
        self.assertEqual(len(queries), 1)
        self.assertUsesIndex(queries[0])
        # a duplicate that tries to slip past the ORM (raw SQL) is refused by
        # PostgreSQL itself
        with self.assertRaises(ExclusionViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    "INSERT INTO stock_lot (name, product_id) VALUES (%s, %s)",
                    self.lots[0].name,
                    self.serial_product.id,
                )
            )
        # one with a company, where the lot has none, is still caught by the
        # check in Python, as Odoo's own
        self.env.cr.execute(
            SQL(
                """INSERT INTO stock_lot (name, product_id, company_id)
                   VALUES (%s, %s, %s) RETURNING id""",
                self.lots[0].name,
                self.serial_product.id,
                self.company.id,
            )
        )
        duplicate = self.env["stock.lot"].browse(self.env.cr.fetchone()[0])
        with self.assertRaisesRegex(ValidationError, "must be unique"):
            duplicate._check_unique_lot()

    def test_without_the_index_the_check_fails(self):
        """The plan check above can fail: without the index, PostgreSQL
        answers the addon's query another way."""
        query = self._addon_check_query()
        # the test's rollback brings the constraint and its index back
        drop_constraint(self.env.cr, "stock_lot", INDEX)
        with self.assertRaises(AssertionError):
            self.assertUsesIndex(query)
