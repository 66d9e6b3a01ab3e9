"""Benchmark: Odoo's own stock flows, in a database with the addons and in one
without them. Not part of the tests.

The addons override methods that run for Odoo's own flows too (the guards
of held transfers on move lines and transfers, the speed layer's name
check of lots, the moves kept apart per document line, backorders).
``make overhead`` (dev/devenv.py) creates two databases, one with Odoo's
``sale_stock`` only and one with the addons as installed by default, and
runs this script in each::

    python bench/bench_odoo_flows.py --config ODOO_CONF --database DB

It times, as the administrator, from a committed transaction to the commit:

- receipt: a vendor receipt of N units of a product tracked by serial,
  numbered by Odoo's Generate Serials, validated;
- delivery: a delivery of those N units, reserved by Odoo and validated;
- sale: a sale order of N units confirmed, its delivery validated;
- two users at once: each a receipt and a delivery of N/2 units of a
  product of their own, in two threads with their own cursors, wall time
  and the errors they met (a serialization failure included).

Each flow runs ``--repeat`` times on a new product; the median is printed,
one line per flow, in a form the other run's output can be compared with.
"""

import argparse
import statistics
import sys
import threading
import time

import odoo
import odoo.service.server  # a namespace package since 19.0: import what is used
from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.tools import config


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--database", required=True)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


class Flows:
    def __init__(self, env, tag):
        self.env, self.tag = env, tag
        self.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        self.partner = env["res.partner"].create({"name": f"Bench Partner {tag}"})
        self.count = 0

    def product(self):
        self.count += 1
        return self.env["product.product"].create(
            {
                "name": f"Bench {self.tag} {self.count}",
                "is_storable": True,
                "tracking": "serial",
                "type": "consu",
            }
        )

    def _picking(self, picking_type, source, destination, product, units):
        return self.env["stock.picking"].create(
            {
                "partner_id": self.partner.id,
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": units,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )

    def receipt(self, product, units):
        receipt_type = self.warehouse.in_type_id
        receipt = self._picking(
            receipt_type,
            receipt_type.default_location_src_id
            or self.env.ref("stock.stock_location_suppliers"),
            self.warehouse.lot_stock_id,
            product,
            units,
        )
        receipt.action_confirm()
        receipt.move_ids.move_line_ids.unlink()
        receipt.move_ids._generate_serial_numbers(f"{product.name}-0001", units)
        receipt.move_ids.picked = True
        receipt.button_validate()
        return receipt

    def delivery(self, product, units):
        delivery = self._picking(
            self.warehouse.out_type_id,
            self.warehouse.lot_stock_id,
            self.env.ref("stock.stock_location_customers"),
            product,
            units,
        )
        delivery.action_confirm()
        delivery.action_assign()
        delivery.move_ids.picked = True
        delivery.button_validate()
        return delivery

    def sale(self, product, units):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": units,
                            "price_unit": 10,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        return order


def timed(env, call):
    """``call()`` from a committed transaction with empty caches to its
    commit, flush included."""
    env.cr.commit()
    env.invalidate_all()
    started = time.perf_counter()
    call()
    env.flush_all()
    env.cr.commit()
    return time.perf_counter() - started


def run_flows(registry, admin_id, units, repeat):
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, admin_id, {})
        flows = Flows(env, "one")
        for name in ("receipt", "delivery", "sale"):
            seconds = []
            for _round in range(repeat):
                product = flows.product()
                if name != "receipt":
                    flows.receipt(product, units)
                seconds.append(
                    timed(env, lambda n=name, p=product: getattr(flows, n)(p, units))
                )
            results[name] = statistics.median(seconds)
    return results


def run_two_users(registry, admin_id, units, repeat):
    """Two users at once, each on products of their own: wall time of the
    slower, and the errors they met."""
    walls, errors = [], []
    for round_ in range(repeat):
        barrier = threading.Barrier(2)

        def user(index, round_=round_, barrier=barrier):
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, admin_id, {})
                    flows = Flows(env, f"user{index}-{round_}")
                    product = flows.product()
                    cr.commit()
                    barrier.wait()
                    flows.receipt(product, units // 2)
                    flows.delivery(product, units // 2)
                    cr.commit()
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                errors.append(f"user {index}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=user, args=(i,)) for i in (1, 2)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls), errors


def main(argv):
    args = parse_args(argv)
    config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"],
        setup_logging=True,
    )
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        admin_id = env.ref("base.user_admin").id
        addons = env["ir.module.module"].search(
            [("name", "like", "everest_serial_gen%"), ("state", "=", "installed")]
        )
        installed = ", ".join(sorted(addons.mapped("name"))) or "none"
    # warm the registry's caches once, untimed
    run_flows(registry, admin_id, 10, 1)
    results = run_flows(registry, admin_id, args.units, args.repeat)
    wall, errors = run_two_users(registry, admin_id, args.units, args.repeat)
    print(f"addons installed: {installed}")
    for name, seconds in results.items():
        print(f"flow {name:<10} {args.units:>5} units  {seconds:7.3f} s")
    print(f"flow two-users {args.units:>5} units  {wall:7.3f} s  errors: {len(errors)}")
    for error in errors:
        print(f"  {error[:300]}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
