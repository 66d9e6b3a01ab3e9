import unittest
from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, tagged

from odoo.addons.everest_serial_gen.compat import ODOO_19, PRODUCT_LOT_SEQUENCE

# The system parameter that switches the speed layer (everest_serial_gen_fast)
# off: Odoo's own create(), reservation and validation, as without it
FAST_PATH_PARAMETER = "everest_serial_gen.fast_path"
# What the tests meet differently on each Odoo series (the addon's own
# differences are in ../compat.py).
# Odoo's error for records of different companies, in part
COMPANY_ERROR = "company inconsistencies" if ODOO_19 else "Incompatible companies"
PACKAGE_MODEL = "stock.package" if ODOO_19 else "stock.quant.package"
# a company's settings that send an SMS when a delivery is validated
SMS_VALIDATION = (
    {"stock_text_confirmation": True, "stock_confirmation_type": "sms"}
    if ODOO_19
    else {"stock_move_sms_validation": True}
)
# the unit of a sale order line
SALE_UOM_FIELD = "product_uom_id" if ODOO_19 else "product_uom"
# the product's field for its own serial sequence
PRODUCT_SEQUENCE_FIELD = (
    "lot_sequence_id" if PRODUCT_LOT_SEQUENCE else "serial_sequence_id"
)


def valuation(moves):
    """What stock valuation recorded for ``moves``, sorted: (quantity, value,
    remaining quantity, remaining value) of each valuation layer up to 18.0,
    of each valued move since 19.0, which has no layers."""
    if ODOO_19:
        records = moves.filtered(lambda move: move.is_in or move.is_out)
    else:
        records = moves.stock_valuation_layer_ids
    return sorted(
        (record.quantity, record.value, record.remaining_qty, record.remaining_value)
        for record in records
    )


class SerialGenData:
    """Products, a customer and documents for Generate Serial # tests, for
    transaction cases and browser tours alike."""

    @classmethod
    def _setup_serial_data(cls):
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.out_location = cls.warehouse.serial_out_location_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.customer = cls.env["res.partner"].create({"name": "Returning Customer"})
        cls.serial_product = cls._create_product("Laptop", "serial")
        cls.lot_product = cls._create_product("Cable Reel", "lot")
        cls.plain_product = cls._create_product("Mouse", "none")

    @classmethod
    def _create_product(cls, name, tracking, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": tracking,
                "standard_price": 100.0,
                "list_price": 150.0,
                **values,
            }
        )

    @classmethod
    def _create_credit_note(
        cls, lines, move_type="out_refund", post=True, partner=None
    ):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or cls.customer).id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": 150.0,
                        }
                    )
                    for product, quantity in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _create_return_receipt(
        cls, lines, confirm=True, warehouse=None, destination=None, env=None
    ):
        env = env or cls.env
        warehouse = (warehouse or cls.warehouse).with_env(env)
        destination = destination or warehouse.lot_stock_id
        picking = env["stock.picking"].create(
            {
                "partner_id": cls.customer.id,
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": cls.customer_location.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": cls.customer_location.id,
                            "location_dest_id": destination.id,
                        }
                    )
                    for product, quantity in lines
                ],
            }
        )
        if confirm:
            picking.action_confirm()
        return picking


@tagged("post_install", "-at_install")
class SerialGenCase(SerialGenData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_serial_data()

    @staticmethod
    def _set_product_sequence(product, sequence):
        product.product_tmpl_id[PRODUCT_SEQUENCE_FIELD] = sequence

    @staticmethod
    def _run_cron(cron):
        """Run a scheduled action's code once in the test's transaction, as
        18.0's method_direct_trigger did (19.0's runs it in a new cursor)."""
        cron.with_user(cron.user_id).with_context(
            lastcall=cron.lastcall
        ).ir_actions_server_id.run()

    def _wizard_form(self, document, user=None):
        env = self.env(user=user) if user else self.env
        return Form(
            env["serial.generate.wizard"].with_context(
                active_model=document._name,
                active_id=document.id,
                active_ids=document.ids,
            )
        )

    def _generate(self, document, quantities=None, **values):
        """Run the wizard on ``document`` like a user: open, edit, OK."""
        form = self._wizard_form(document)
        for name, value in values.items():
            setattr(form, name, value)
        for index, quantity in (quantities or {}).items():
            with form.line_ids.edit(index) as line:
                line.gen_quantity = quantity
        wizard = form.save()
        return wizard, wizard.action_generate()

    @staticmethod
    def _result(action):
        """The list of the new serials OK opens after its notification."""
        if action.get("tag") == "display_notification":
            return action["params"]["next"]
        return action

    def assertNothingCreated(self, call, error=UserError, message=None):
        """``call`` raises ``error`` before it creates anything: no savepoint
        hides what it created, unlike Odoo's ``assertRaises``."""
        counts = self._counts()
        with unittest.TestCase.assertRaises(self, error) as caught:
            call()
        self.assertEqual(self._counts(), counts)
        if message:
            self.assertIn(message, str(caught.exception))
        return caught.exception

    def _counts(self):
        """Lots, moves and quants in the database: errors must leave them as is."""
        return {
            model: self.env[model].sudo().search_count([])
            for model in ("stock.lot", "stock.move", "stock.move.line", "stock.quant")
        }

    def _quants(self, lots, location):
        return self.env["stock.quant"].search(
            [("lot_id", "in", lots.ids), ("location_id", "=", location.id)]
        )


# What the fast path's comparisons read (BothWays), per record
BOTH_WAYS_FIELDS = {
    "stock.picking": "state location_id location_dest_id picking_type_id partner_id",
    "stock.move": """state picked quantity product_uom_qty product_uom location_id
        location_dest_id procure_method""",
    "stock.move.line": """state picked quantity quantity_product_uom product_uom_id
        location_id location_dest_id package_id result_package_id owner_id""",
    "stock.quant": """location_id quantity reserved_quantity in_date inventory_date
        inventory_diff_quantity inventory_quantity inventory_quantity_set package_id
        owner_id""",
}


class BothWays:
    """Run a flow of the addon with its fast path taking every batch,
    however small (the system parameter everest_serial_gen.fast_path = 1),
    and switched off (= 0: Odoo's own create(),
    reservation and validation, quant by quant), on products of their own,
    and compare what each leaves field by field (``_both_ways_state``)."""

    def _switch_fast_path(self, on):
        self.env["ir.config_parameter"].set_param(
            FAST_PATH_PARAMETER, "1" if on else "0"
        )

    def _both_ways_values(self, records):
        names = BOTH_WAYS_FIELDS[records._name].split()
        return [
            tuple(
                bool(record[name])
                if name in ("package_id", "result_package_id")
                else record[name].id
                if record._fields[name].relational
                else record[name]
                for name in names
            )
            for record in records
        ]

    def _both_ways_state(self, pickings, lots):
        """What a user sees of ``pickings`` and of ``lots`` (sorted by name,
        so that two flows that name their lots alike line up), without
        names and ids: transfers, moves and their chains, each lot's move
        lines and quants, the lot's location, the valuation."""
        lots = lots.sorted("name")
        moves = pickings.move_ids.sorted(lambda move: (move.product_id.id, move.id))
        Line = self.env["stock.move.line"]
        Quant = self.env["stock.quant"]
        return {
            "pickings": sorted(self._both_ways_values(pickings)),
            "moves": [
                (
                    *values,
                    bool(move.origin_returned_move_id),
                    len(move.move_orig_ids),
                    len(move.move_dest_ids),
                )
                for move, values in zip(
                    moves, self._both_ways_values(moves), strict=True
                )
            ],
            "lines": [
                self._both_ways_values(
                    Line.search([("lot_id", "=", lot.id)], order="id")
                )
                for lot in lots
            ],
            "quants": [
                sorted(
                    self._both_ways_values(
                        Quant.search([("lot_id", "=", lot.id)], order="id")
                    )
                )
                for lot in lots
            ],
            "lot_locations": [lot.location_id.id for lot in lots],
            "valuation": valuation(moves),
        }

    @contextmanager
    def _batched(self):
        """Count what the fast path's batches take: the lines whose quants
        ``moved`` at once, the quants ``reserved`` at once."""
        counts = {"moved": 0, "reserved": 0}
        Quant = self.env.registry["stock.quant"]
        MoveLine = self.env.registry["stock.move.line"]
        move_known, create_reserved = (
            Quant._serial_move_known_lots,
            MoveLine._serial_create_reserved,
        )

        def moved(quants, lines):
            result = move_known(quants, lines)
            counts["moved"] += len(result)
            return result

        def reserved(lines, vals_list, quants):
            counts["reserved"] += len(quants)
            return create_reserved(lines, vals_list, quants)

        with (
            patch.object(Quant, "_serial_move_known_lots", moved),
            patch.object(MoveLine, "_serial_create_reserved", reserved),
        ):
            yield counts

    def assertSameBothWays(self, fast, odoo):
        self.assertTrue(fast["lines"])
        for key in odoo:
            self.assertEqual(fast[key], odoo[key], key)
