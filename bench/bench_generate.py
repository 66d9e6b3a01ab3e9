"""Benchmark: Odoo's own serial generation on a customer receipt against the
addon's Generate Serial # wizard on a credit note. Not part of the tests.

Run it with ``make bench`` (see bench/README.md), which creates a database
with the addon installed and calls::

    python bench/bench_generate.py --config ODOO_CONF --database DB [--sizes ...]

Each measurement runs on a fresh product, from a committed transaction with
empty caches, and ends with the commit (flush included): it is timed, its
queries counted with the cursor's ``sql_log_count`` like Odoo's
``assertQueryCount``, and, in a separate run (tracemalloc slows Python down),
its peak Python memory measured.
"""

import argparse
import gc
import logging
import statistics
import sys
import time
import traceback
import tracemalloc
from dataclasses import dataclass

import odoo
import odoo.service.server  # a namespace package since 19.0: import what is used
import odoo.sql_db
from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

FLOWS = ("odoo", "addon")
WARMUP_SIZE = 10
# Odoo logs a failing query in full: thousands of conditions, at these sizes.
LOG_MESSAGE_LIMIT = 2000


@dataclass
class Measure:
    seconds: float
    queries: int
    other_queries: int  # on other cursors, e.g. the addon's fresh-snapshot checks
    peak_mb: float | None


@dataclass
class Result:
    size: int
    flow: str
    measures: list
    peak_mb: float | None = None
    error: str | None = None

    @property
    def seconds(self):
        return statistics.median(m.seconds for m in self.measures)

    @property
    def queries(self):
        return round(statistics.median(m.queries for m in self.measures))

    @property
    def other_queries(self):
        return round(statistics.median(m.other_queries for m in self.measures))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--sizes",
        default="1000,5000",
        type=lambda text: [int(size) for size in text.split(",") if size.strip()],
        help="comma-separated numbers of serials to generate (default: 1000,5000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs per size and flow; the table shows the median (default 3)",
    )
    parser.add_argument(
        "--flows",
        default=",".join(FLOWS),
        type=lambda text: [flow for flow in FLOWS if flow in text.split(",")],
        help="comma-separated flows to measure (default: odoo,addon)",
    )
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="skip the extra tracemalloc run of each size and flow",
    )
    args = parser.parse_args(argv)
    if not args.sizes or min(args.sizes) < 1 or args.repeat < 1:
        parser.error("--sizes and --repeat need positive numbers")
    if not args.flows:
        parser.error(f"--flows takes some of {', '.join(FLOWS)}")
    return args


# Documents to measure ---------------------------------------------------------


class Bench:
    def __init__(self, env):
        self.env = env
        self.company = env.company
        self.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        self.customer = env["res.partner"].create(
            {"name": "Bench Customer", "customer_rank": 1}
        )
        self.customer_location = env.ref("stock.stock_location_customers")
        self.products = 0

    def create_product(self, flow, size):
        """A new serial-tracked storable product, the same for both flows."""
        self.products += 1
        return self.env["product.product"].create(
            {
                "name": f"Bench {flow} {size} #{self.products}",
                "is_storable": True,
                "tracking": "serial",
                "standard_price": 100.0,
                "list_price": 150.0,
            }
        )

    def odoo_flow(self, size):
        """Odoo's receipt from a customer, marked as to do; the run generates
        the serials on its move and validates it."""
        product = self.create_product("odoo", size)
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.customer_location.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": size,
                            "product_uom": product.uom_id.id,
                            "location_id": self.customer_location.id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()

        def run():
            picking.move_ids._generate_serial_numbers(
                next_serial="ODOO-000001", next_serial_count=size
            )
            picking.button_validate()

        def check():
            expect(picking.state == "done", f"picking is {picking.state}")
            count = len(picking.move_line_ids.lot_id)
            expect(count == size, f"{count} lots on the receipt")

        return run, check

    def addon_flow(self, size):
        """A posted credit note; the run opens the addon's wizard on it and
        presses OK."""
        product = self.create_product("addon", size)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": fields.Date.context_today(self.customer),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": size, "price_unit": 150}
                    )
                ],
            }
        )
        refund.action_post()
        wizards = self.env["serial.generate.wizard"].with_context(
            active_model="account.move", active_id=refund.id, active_ids=refund.ids
        )

        def run():
            wizard = wizards.create({})
            wizard.action_generate()

        def check():
            count = len(refund.serial_lot_ids)
            expect(count == size, f"{count} lots in serial_lot_ids")
            states = refund.serial_picking_ids.mapped("state")
            expect(states == ["done"], f"serial_picking_ids states {states}")

        return run, check


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


# Measuring --------------------------------------------------------------------


def measure(env, run, trace_memory=False):
    """Run ``run`` from a committed state with empty caches, up to and
    including its commit."""
    cr = env.cr
    env.flush_all()
    cr.commit()
    env.invalidate_all()
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    queries, all_queries = cr.sql_log_count, odoo.sql_db.sql_counter
    start = time.perf_counter()
    run()
    env.flush_all()
    cr.commit()
    seconds = time.perf_counter() - start
    queries = cr.sql_log_count - queries
    other_queries = odoo.sql_db.sql_counter - all_queries - queries
    peak_mb = None
    if trace_memory:
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Measure(seconds, queries, other_queries, peak_mb)


def measure_flow(bench, flow, size, trace_memory=False):
    """Prepare a document of ``size`` serials, measure ``flow`` on it, check."""
    env = bench.env
    run, check = getattr(bench, f"{flow}_flow")(size)
    try:
        result = measure(env, run, trace_memory)
    except Exception:
        env.cr.rollback()
        env.invalidate_all()
        raise
    check()
    return result


def run_benchmark(env, args, log):
    bench = Bench(env)
    # Synchronous generation only: the addon runs larger ones in the background.
    bench.company.serial_batch_size = max(args.sizes) + 1
    env.cr.commit()

    log(f"warming up with N={WARMUP_SIZE}")
    baseline = {}
    for flow in args.flows:
        measure_flow(bench, flow, WARMUP_SIZE)  # first calls fill Odoo's caches
        baseline[flow] = measure_flow(bench, flow, WARMUP_SIZE)

    def attempt(result, trace_memory=False):
        try:
            return measure_flow(bench, result.flow, result.size, trace_memory)
        except Exception as error:
            result.error = f"{type(error).__name__}: {str(error).strip()}"
            log(f"N={result.size} {result.flow} FAILED:\n{traceback.format_exc()}")
            return None

    results = []
    for size in args.sizes:
        for flow in args.flows:
            result = Result(size, flow, [])
            results.append(result)
            for repeat in range(args.repeat):
                log(f"N={size} {flow}: timed run {repeat + 1}/{args.repeat}")
                timed = attempt(result)
                if not timed:
                    break
                result.measures.append(timed)
    if not args.no_memory:
        for result in results:
            if not result.error:
                log(f"N={result.size} {result.flow}: memory run (tracemalloc)")
                traced = attempt(result, trace_memory=True)
                result.peak_mb = traced and traced.peak_mb
    return results, baseline


# Report -----------------------------------------------------------------------


def report(results, baseline, args):
    header = (
        f"{'N':<7}{'flow':<7}{'time_s':>8}{'queries':>9}{'queries/serial':>16}"
        f"{'other_cr':>10}{'peak_MB':>9}"
    )
    lines = ["", header, "-" * len(header)]
    for r in results:
        if not r.measures:
            error = r.error.splitlines()[0][:120]
            lines.append(f"{r.size:<7}{r.flow:<7}  FAILED: {error}")
            continue
        peak = f"{r.peak_mb:.1f}" if r.peak_mb is not None else "-"
        lines.append(
            f"{r.size:<7}{r.flow:<7}{r.seconds:>8.2f}{r.queries:>9}"
            f"{r.queries / r.size:>16.3f}{r.other_queries:>10}{peak:>9}"
        )
    lines.append("")
    by_key = {(r.size, r.flow): r for r in results if r.measures}
    for size in args.sizes:
        odoo_result, addon = by_key.get((size, "odoo")), by_key.get((size, "addon"))
        if odoo_result and addon:
            ratio = odoo_result.seconds / addon.seconds
            lines.append(
                f"ratio at N={size}: odoo_time / addon_time = {ratio:.1f}x "
                f"({'addon faster' if ratio > 1 else 'addon NOT faster'})"
            )
        if addon:
            constant = baseline["addon"].queries
            limit = size / 10 + constant
            lines.append(
                f"  addon queries <= N/10 + constant at N={size}: "
                f"{'yes' if addon.queries <= limit else 'NO'} ({addon.queries} vs "
                f"N/10 = {size / 10:.0f} + {constant} queries of an "
                f"N={WARMUP_SIZE} run = {limit:.0f})"
            )
    addons = sorted(
        (r for r in results if r.flow == "addon" and r.measures), key=lambda r: r.size
    )
    if len(addons) > 1 and addons[-1].size > addons[0].size:
        first, last = addons[0], addons[-1]
        slope = (last.queries - first.queries) / (last.size - first.size)
        lines.append(
            f"addon queries per extra serial from N={first.size} to "
            f"N={last.size}: {slope:.4f} (N/10 allows 0.1)"
        )
    lines += [
        f"time_s, queries: median of {args.repeat} run(s), each up to its commit; "
        "queries: the cursor's sql_log_count;",
        "other_cr: queries on other cursors; peak_MB: tracemalloc peak, in a "
        "separate run.",
    ]
    failed = [r for r in results if r.error]
    if failed:
        lines += ["", "FAILURES (tracebacks above):"]
        lines += [f"N={r.size} {r.flow}: {r.error[:2000]}" for r in failed]
    return "\n".join(lines)


class TruncateMessages(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        if len(message) > LOG_MESSAGE_LIMIT:
            record.msg = f"{message[:LOG_MESSAGE_LIMIT]}... ({len(message)} chars)"
            record.args = ()
        return True


def main(argv):
    args = parse_args(argv)
    config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"],
        setup_logging=True,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(TruncateMessages())
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.database)

    def log(message):
        print(f"bench: {message}", file=sys.stderr, flush=True)

    with registry.cursor() as cr:
        # The administrator, as a user would run both flows (not superuser mode).
        admin = api.Environment(cr, api.SUPERUSER_ID, {}).ref("base.user_admin")
        env = api.Environment(cr, admin.id, admin.context_get())
        results, baseline = run_benchmark(env, args, log)
    print(report(results, baseline, args), flush=True)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
