"""The addon's lots with Odoo's expiration dates (#22).

This file needs product_expiry, which the addon does not depend on: ``make
test`` runs it in a database of its own with product_expiry installed
(``EXTRA_MODULE_TESTS`` in dev/devenv.py), and leaves it out of the main
run. It is not in ``tests/__init__.py``, so that Odoo's own test runner,
which knows no such split, does not run it either.
"""

from .test_fast_path import TestStoredAsOdoo


class TestStoredAsOdooWithExpiry(TestStoredAsOdoo):
    maxDiff = None

    def _odoo_lines(self, receipt, count):
        """The serials typed on the receipt's lines (its detailed
        operations): their expiration dates count from the receipt's
        scheduled date. (Odoo's Generate Serials button counts from
        midnight instead: Odoo's two ways of adding lines disagree by the
        time of day.)"""
        receipt.action_confirm()
        receipt.move_line_ids.unlink()
        move = receipt.move_ids
        self.env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "picking_id": receipt.id,
                    "product_id": move.product_id.id,
                    "lot_name": f"ODOO-{index:04d}",
                    "quantity": 1,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
                for index in range(1, count + 1)
            ]
        )

    def test_expiration_dates(self):
        """A product with expiration dates: its serials, their lines and
        quants hold what Odoo's own flow stores, the dates included."""
        self.assertIn("expiration_date", self.env["stock.lot"]._fields)
        ours = self._compare({"use_expiration_date": True, "expiration_time": 30})
        lots = ours.move_line_ids.lot_id
        self.assertTrue(all(lots.mapped("expiration_date")))
        self.assertTrue(all(lots.mapped("removal_date")))
