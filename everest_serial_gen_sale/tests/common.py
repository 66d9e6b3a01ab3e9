"""What the tests of the sales bridge share: sales delivered, invoiced and
credited as a user does them, with products valued in real time."""

from odoo import Command, fields

from odoo.addons.everest_serial_gen.tests.common import SerialGenCase, valuation

# stock valuation, and the stock interim (received, delivered) accounts
STOCK_ACCOUNT_FIELDS = (
    "property_stock_valuation_account_id",
    "property_stock_account_input_categ_id",
    "property_stock_account_output_categ_id",
)


class SaleFlows:
    """Sales delivered, invoiced and credited as a user does them, and Odoo's
    own Return: for transaction cases and browser tours alike."""

    def _in_stock(self, product, names, quantity=1.0, owner=None):
        lots = self.env["stock.lot"].create(
            [
                {"name": name, "product_id": product.id, "company_id": self.company.id}
                for name in names
            ]
        )
        for lot in lots:
            self.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": product.id,
                    "location_id": self.stock_location.id,
                    "lot_id": lot.id,
                    "inventory_quantity": quantity,
                    "owner_id": owner.id if owner else False,
                }
            ).action_apply_inventory()
        return lots

    def _sell_deliver_invoice(
        self, product, quantity, partner=None, deliver=True, pack=False, **line_values
    ):
        """A sale, delivered with the serials in stock (unless not
        ``deliver``; put in a pack when ``pack``, at the step of the route
        that packs), invoiced and posted."""
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "price_unit": 150.0,
                            **line_values,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        if deliver:
            self._deliver_order(order, pack)
        delivery = order.picking_ids.filtered(
            lambda picking: picking.location_dest_id.usage == "customer"
        )
        invoice = order._create_invoices()
        invoice.action_post()
        return order, delivery, invoice

    def _deliver_order(self, order, pack=False):
        """Every step of the order's route, in turn, as a user validates
        them; ``pack`` puts the goods in a pack at the packing step, or in
        one step at the delivery."""
        while pickings := order.picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        ):
            picking = pickings.sorted("id")[0]
            picking.action_assign()
            picking.move_ids.picked = True
            steps = picking.picking_type_id.warehouse_id.delivery_steps
            packs = (
                picking.picking_type_id
                == picking.picking_type_id.warehouse_id[
                    "pack_type_id" if steps == "pick_pack_ship" else "out_type_id"
                ]
            )
            if pack and packs:
                picking.action_put_in_pack()
            picking._serial_validate_done()

    def _credit_note(self, invoice, quantity=None):
        """Odoo's Credit Note button on the invoice, then Confirm."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": fields.Date.today()})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        if quantity is not None:
            refund.invoice_line_ids.quantity = quantity
        refund.action_post()
        return refund

    def _odoo_return(self, delivery, quantity):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({"picking_id": delivery.id})
        )
        wizard.product_return_moves.write({"quantity": quantity, "to_refund": True})
        receipt = wizard._create_return()
        receipt.move_ids.picked = True
        receipt._serial_validate_done()
        return receipt


class AttachCase(SaleFlows, SerialGenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.anglo_saxon_accounting = True
        cls.category = cls.env["product.category"].create(
            {
                "name": "FIFO, automated",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )
        Account = cls.env["account.account"]
        # the stock valuation account, and the interim ones where the series
        # has them (18.0; 19.0 has no stock input and output accounts)
        cls.account_fields = [
            field for field in STOCK_ACCOUNT_FIELDS if field in cls.category._fields
        ]
        for field in cls.account_fields:
            code = f"ESG{STOCK_ACCOUNT_FIELDS.index(field)}"
            cls.category[field] = Account.create(
                {"name": field, "code": code, "account_type": "asset_current"}
            )
        if not cls.category.property_stock_journal:
            cls.category.property_stock_journal = cls.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", cls.company.id)],
                limit=1,
            )
        cls.other_customer = cls.env["res.partner"].create({"name": "Other Customer"})

    def _sold_product(self, name, tracking="serial", **values):
        return self._create_product(
            name,
            tracking,
            **{
                "categ_id": self.category.id,
                "invoice_policy": "delivery",
                "standard_price": 100.0,
                **values,
            },
        )

    def _balance(self, account_field, product):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.category[account_field].id),
                ("product_id", "=", product.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return round(sum(lines.mapped("balance")), 2)

    def _end_state(self, order, product):
        line = order.order_line
        return {
            "sale": (line.qty_delivered, line.qty_invoiced, order.invoice_status),
            "quants": sorted(
                (q.lot_id.name, q.location_id.usage, q.quantity)
                for q in self.env["stock.quant"].search(
                    [("product_id", "=", product.id), ("quantity", "!=", 0)]
                )
            ),
            "valuation": valuation(
                self.env["stock.move"].search([("product_id", "=", product.id)])
            ),
            "qty_available": product.qty_available,
            **{field: self._balance(field, product) for field in self.account_fields},
        }
