from odoo.tests import TransactionCase, tagged

from odoo.addons.everest_serial_gen.compat import GROUPS_FIELD, PRODUCT_LOT_SEQUENCE

from .common import SerialGenCase


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_settings_fields_and_actions_exist(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "everest_serial_gen")]
        )
        self.assertEqual(module.state, "installed")
        settings = self.env["res.config.settings"].create({})
        company = self.env.company
        self.assertEqual(
            settings.serial_stock_location_id, company.serial_stock_location_id
        )
        self.assertEqual(
            settings.serial_out_location_id, company.serial_out_location_id
        )
        self.assertEqual(settings.serial_batch_size, 2000)
        self.assertTrue(
            self.env.ref("everest_serial_gen.account_move_action_generate_serial")
        )
        self.assertTrue(
            self.env.ref("everest_serial_gen.stock_picking_action_generate_serial")
        )

    def test_series_specific_data(self):
        """The data files' <function>s: the actions' groups, and the product
        form's sequence, shown up to 18.0 only (compat.py)."""
        user = self.env.ref("stock.group_stock_user")
        for xmlid in (
            "account_move_action_generate_serial",
            "account_move_action_reverse_serial_generation",
            "account_move_action_print_serial_labels",
            "stock_picking_action_generate_serial",
            "stock_picking_action_reverse_serial_generation",
            "stock_picking_action_print_serial_labels",
            "stock_lot_action_print_serial_labels",
        ):
            action = self.env.ref(f"everest_serial_gen.{xmlid}")
            self.assertEqual(action[GROUPS_FIELD], user, xmlid)
        view = self.env.ref("everest_serial_gen.product_template_view_form")
        self.assertEqual(view.active, not PRODUCT_LOT_SEQUENCE)

    def test_defaults_after_install(self):
        """Right after installing: the main warehouse's stock location, and an
        internal Out location the addon created in that warehouse."""
        company = self.env.company
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        self.assertEqual(company.serial_stock_location_id, warehouse.lot_stock_id)
        out = company.serial_out_location_id
        self.assertEqual(out, warehouse.serial_out_location_id)
        self.assertEqual(out.usage, "internal")
        self.assertTrue(out.active)
        self.assertEqual(out.warehouse_id, warehouse)
        self.assertEqual(out.name, "Returns Out")
        self.assertEqual(company.serial_sequence_id.company_id, company)

    def test_defaults_for_a_new_company(self):
        company = self.env["res.company"].create({"name": "Later Company"})
        # stock creates the warehouse of a new company in test mode only; a
        # real database creates it when the company first needs one
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)]
        )
        self.assertEqual(len(warehouse), 1)
        self.assertEqual(company.serial_stock_location_id, warehouse.lot_stock_id)
        self.assertEqual(
            company.serial_out_location_id, warehouse.serial_out_location_id
        )
        self.assertEqual(company.serial_out_location_id.company_id, company)
        self.assertTrue(company.serial_sequence_id)


class TestReinstall(SerialGenCase):
    def _forget_out_location(self, warehouse):
        # what an uninstall leaves: the location, not the field
        self.env.cr.execute(
            "UPDATE stock_warehouse SET serial_out_location_id = NULL WHERE id = %s",
            [warehouse.id],
        )
        warehouse.invalidate_recordset(["serial_out_location_id"])

    def test_reinstall_reuses_the_out_location(self):
        out = self.out_location
        self._forget_out_location(self.warehouse)
        locations = self.env["stock.location"].with_context(active_test=False)
        count = locations.search_count([])
        self.env["res.company"]._serial_install_defaults()
        self.assertEqual(locations.search_count([]), count)
        self.assertEqual(self.warehouse.serial_out_location_id, out)

    def test_archived_warehouse_stays_archived(self):
        old = self.env["stock.warehouse"].create({"name": "Old", "code": "OLD"})
        old.serial_out_location_id.unlink()
        old.active = False
        self._forget_out_location(old)
        active_before = self.env["stock.location"].search_count(
            [("warehouse_id", "=", old.id)]
        )
        self.env["res.company"]._serial_install_defaults()
        self.assertEqual(
            self.env["stock.location"].search_count([("warehouse_id", "=", old.id)]),
            active_before,
        )
        self.assertFalse(old.active)
