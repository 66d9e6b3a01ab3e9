"""Credit notes of sales: the warehouse the sale order ships from."""

from odoo import Command

from odoo.addons.everest_serial_gen.tests.common import SerialGenCase


class TestSaleCreditNote(SerialGenCase):
    def test_sale_order_warehouse_locations(self):
        other = self.env["stock.warehouse"].create({"name": "South", "code": "STH"})
        other.serial_stock_location_id = other.lot_stock_id
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": other.id,
                "order_line": [Command.create({"product_id": self.serial_product.id})],
            }
        )
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.serial_product.id,
                            "quantity": 2,
                            "price_unit": 10,
                            "sale_line_ids": [Command.set(order.order_line.ids)],
                        }
                    )
                ],
            }
        )
        # nothing was delivered: the user says what came back
        wizard, _action = self._generate(refund, {0: 2})
        self.assertEqual(wizard.location_dest_id, other.lot_stock_id)
        self.assertEqual(refund.serial_picking_ids.picking_type_id, other.in_type_id)
        self.assertEqual(
            sum(
                self._quants(refund.serial_lot_ids, other.lot_stock_id).mapped(
                    "quantity"
                )
            ),
            2,
        )
        # without a location of its own, the warehouse uses the company's
        other.serial_stock_location_id = False
        refund_2 = refund.copy()
        refund_2.invoice_line_ids.sale_line_ids = order.order_line
        wizard, _action = self._generate(refund_2, {0: 2})
        self.assertEqual(wizard.location_dest_id, self.company.serial_stock_location_id)
