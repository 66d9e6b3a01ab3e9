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

``--background`` times a large generation run chunk by chunk by the
background runner (``--runner``: the scheduled action, or OCA's job queue),
and ``--paths`` four flows in Odoo's way and the addon's (bench_paths.py).
"""

import argparse
import gc
import logging
import resource
import statistics
import sys
import time
import traceback
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import odoo
import odoo.service.server  # a namespace package since 19.0: import what is used
import odoo.sql_db
from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config
from odoo.tools.sql import drop_index

FLOWS = ("odoo", "addon")
# What runs the chunks of a background generation: Odoo's scheduled action
# (the core's), or OCA's job queue (everest_serial_gen_queue, which
# `make bench ARGS="--runner queue_job ..."` installs with queue_job)
RUNNERS = ("cron", "queue_job")
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
        type=lambda text: [int(size) for size in text.split(",") if size.strip()],
        help="comma-separated numbers of serials to generate (default: 1000,5000; "
        "2000 with --paths)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="timed runs per size and flow; the table shows the median (default 3; "
        "1 with --paths)",
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
    parser.add_argument(
        "--background",
        action="store_true",
        help="queue one generation of N serials per size from a credit note "
        "(with --paths: the addon's side of each path), with the company's "
        "batch size, and run its chunks as the runner (--runner) runs them: "
        "one transaction each",
    )
    parser.add_argument(
        "--runner",
        choices=RUNNERS,
        default="cron",
        help="with --background: what runs the chunks: the scheduled action "
        "(cron, _cron_process; the default) or OCA's job queue (queue_job: "
        "_serial_runner_step, which performs the oldest pending chunk job "
        "in-process; needs everest_serial_gen_queue, which make bench "
        "installs for it)",
    )
    parser.add_argument(
        "--drop-index",
        action="store_true",
        help="drop the addon's index on stock_lot (product_id, name) first, "
        "to measure without it",
    )
    parser.add_argument(
        "--paths",
        nargs="?",
        const="all",
        help="time Odoo's own flow against the addon's on the paths named "
        "(attach, reverse, send, receive; all without a value): bench_paths.py",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="with --paths: run each timed flow under cProfile, write its "
        "stats to DIR/<path>-<side>-<N>.pstats and print its top functions; "
        "with --background alone: the first and the last chunk of each N, "
        "to DIR/background-<runner>-<N>-chunk<i>.pstats",
    )
    args = parser.parse_args(argv)
    sizes, repeat = [1000, 5000], 3
    if args.paths is not None:
        import bench_paths  # only this mode needs it

        try:
            args.paths = bench_paths.parse_paths(args.paths)
        except ValueError as error:
            parser.error(str(error))
        sizes, repeat = bench_paths.DEFAULT_SIZES, bench_paths.DEFAULT_REPEAT
    if args.sizes is None:
        args.sizes = sizes
    if args.repeat is None:
        args.repeat = repeat
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


# Background generation --------------------------------------------------------

# Odoo's default --limit-time-real: a chunk above it is killed in a worker.
LIMIT_TIME_REAL = 120
# The addon's btree on stock_lot (product_id, name, company): its uniqueness
# constraint's index, or, where the constraint could not be added, its
# fallback index (everest_serial_gen/tools/lot_uniqueness.py)
SERIAL_NAME_CONSTRAINT = "stock_lot_serial_lot_unique"
SERIAL_NAME_INDEX = "stock_lot_serial_product_name_index"


class Runner:
    """The background runner the bench drives, one chunk per ``step()`` in
    the caller's transaction, as it runs in production:

    - cron: Odoo's scheduled action, ``_cron_process()`` in a new
      environment of the cron's user, as ``ir.cron`` calls it;
    - queue_job: OCA's job queue, ``_serial_runner_step()`` in a superuser
      environment, as queue_job's controller runs a job (everest_serial_gen_queue
      performs the oldest pending chunk job, as the job's user)."""

    DESCRIPTIONS = {
        "cron": "Odoo's scheduled action (_cron_process, as the cron's user)",
        "queue_job": "OCA's job queue (_serial_runner_step: the oldest pending "
        "queue.job of the chunks, performed in-process)",
    }

    def __init__(self, env, name):
        self.name = name
        installed = bool(
            env["ir.module.module"]
            .sudo()
            .search_count(
                [("name", "=", "everest_serial_gen_queue"), ("state", "=", "installed")]
            )
        )
        expect(
            installed == (name == "queue_job"),
            f"runner {name}: everest_serial_gen_queue is "
            f"{'' if installed else 'not '}installed (make bench installs it "
            "with --runner queue_job only)",
        )
        if name == "queue_job":
            self.user_id = api.SUPERUSER_ID
        else:
            cron = env.ref("everest_serial_gen.serial_generation_job_cron")
            self.user_id = cron.user_id.id

    @property
    def description(self):
        return f"{self.name}: {self.DESCRIPTIONS[self.name]}"

    def step(self, cr):
        """Run one chunk in ``cr``'s transaction, flushed, not committed."""
        env = api.Environment(cr, self.user_id, {})
        jobs = env["serial.generation.job"]
        if self.name == "queue_job":
            jobs._serial_runner_step()
        else:
            jobs._cron_process()
        env.flush_all()


@dataclass
class Chunk:
    seconds: float
    queries: int
    other_queries: int
    done: int  # serials generated by the job after this chunk
    rss_mb: float


@dataclass
class BackgroundResult:
    size: int
    batch_size: int
    chunks: list
    state: str
    error: str | None = None
    queue_seconds: float = 0.0
    plan: list | None = None
    peak_rss_mb: float | None = None  # the process's, at the job's end


def rss_mb():
    """The process's resident memory now (Linux), in MiB."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return float("nan")
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def profiled_step(runner, cr, stats_file):
    """``runner.step(cr)`` under cProfile: its stats written to
    ``stats_file``, its top functions printed."""
    import cProfile  # noqa: PLC0415  only --profile needs them
    import io  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    profile = cProfile.Profile()
    profile.runcall(runner.step, cr)
    stats_file.parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(stats_file)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
    print(f"profile of {stats_file.stem}:\n{text.getvalue()}", flush=True)


def run_background_size(bench, size, log, runner, profile_dir=None):
    """Queue N serials from one credit note through the wizard, then run the
    job's chunks as ``runner`` (a Runner) does: each chunk in its own
    transaction, one step then commit, until the job ends."""
    env = bench.env
    cr = env.cr
    batch_size = bench.company.serial_batch_size
    run, _check = bench.addon_flow(size)
    env.flush_all()
    cr.commit()
    start = time.perf_counter()
    run()  # serial.generate.wizard create({}) + action_generate(): queues the job
    env.flush_all()
    cr.commit()
    queue_seconds = time.perf_counter() - start
    job = env["serial.generation.job"].search([], order="id desc", limit=1)
    expect(job.total == size and job.state == "queued", "no job of N serials queued")
    expect(job.runner == runner.name, f"the job runs on {job.runner}")
    job_id = job.id
    job_env = api.Environment(cr, api.SUPERUSER_ID, {})
    expected_chunks = -(-size // batch_size)
    log(
        f"N={size}: job {job_id} queued in {queue_seconds:.2f} s; "
        f"{expected_chunks} chunks of {batch_size}"
    )
    chunks = []
    while True:
        env.invalidate_all()
        gc.collect()
        done_before = job_env["serial.generation.job"].browse(job_id).done_count
        env.invalidate_all()
        queries, all_queries = cr.sql_log_count, odoo.sql_db.sql_counter
        start = time.perf_counter()
        if profile_dir and len(chunks) + 1 in (1, expected_chunks):
            name = f"background-{runner.name}-{size}-chunk{len(chunks) + 1}.pstats"
            profiled_step(runner, cr, Path(profile_dir) / name)
        else:
            runner.step(cr)
        cr.commit()
        seconds = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        other_queries = odoo.sql_db.sql_counter - all_queries - queries
        env.invalidate_all()
        job = job_env["serial.generation.job"].browse(job_id)
        chunks.append(Chunk(seconds, queries, other_queries, job.done_count, rss_mb()))
        log(
            f"N={size}: chunk {len(chunks)}/{expected_chunks} {seconds:.2f} s, "
            f"{queries} queries, {job.done_count} done, {job.state}, "
            f"RSS {chunks[-1].rss_mb:.0f} MB"
        )
        if job.state != "queued":
            break
        if job.done_count == done_before or len(chunks) > expected_chunks + 5:
            return BackgroundResult(
                size,
                batch_size,
                chunks,
                job.state,
                f"the job made no progress at chunk {len(chunks)}",
                queue_seconds,
            )
    result = BackgroundResult(
        size, batch_size, chunks, job.state, job.error or None, queue_seconds
    )
    result.peak_rss_mb = peak_rss_mb()
    result.plan = name_check_plan(cr, job.line_ids.product_id, batch_size)
    return result


def name_check_plan(cr, product, count):
    """How PostgreSQL answers a name check of the ``count`` last names of
    ``product`` now: in the addon's form (StockLot._serial_existing_names,
    one lookup per name) and in the form of one ``name = ANY(<names>)``, as
    the addon did before and as Odoo's _check_unique_lot does."""
    cr.execute(
        SQL(
            "SELECT name FROM stock_lot WHERE product_id = %s "
            "ORDER BY id DESC LIMIT %s",
            product.id,
            count,
        )
    )
    names = [name for (name,) in cr.fetchall()]
    company = SQL(
        "(%(company)s IS NULL OR company_id = %(company)s OR company_id IS NULL)",
        company=product.env.company.id,
    )
    forms = {
        "the addon's, one lookup per name": SQL(
            """SELECT found.name FROM unnest(%s::varchar[]) AS checked(name),
                 LATERAL (SELECT name FROM stock_lot
                           WHERE product_id = %s AND name = checked.name AND %s
                           LIMIT 1) AS found""",
            names,
            product.id,
            company,
        ),
        "name = ANY(<names>)": SQL(
            "SELECT name FROM stock_lot WHERE product_id = %s "
            "AND name = ANY(%s) AND %s",
            product.id,
            names,
            company,
        ),
    }
    plans = []
    for form, query in forms.items():
        cr.execute(SQL("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) %s", query))
        plans.append(f"{form}:")
        plans += [f"  {line[:150]}" for (line,) in cr.fetchall()]
    cr.rollback()
    return plans


def run_background(env, args, log):
    bench = Bench(env)
    cr = env.cr
    if args.drop_index:
        log(f"dropping {SERIAL_NAME_CONSTRAINT} and index {SERIAL_NAME_INDEX}")
        cr.execute(
            SQL(
                "ALTER TABLE stock_lot DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(SERIAL_NAME_CONSTRAINT),
            )
        )
        drop_index(cr, SERIAL_NAME_INDEX, "stock_lot")
    cr.execute(
        SQL(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'stock_lot' "
            "ORDER BY indexname"
        )
    )
    indexes = [name for (name,) in cr.fetchall()]
    env.cr.commit()
    log(f"stock_lot indexes: {', '.join(indexes)}")
    runner = Runner(env, args.runner)
    log(f"runner {runner.description}")
    log(f"warming up with N={WARMUP_SIZE} (synchronous)")
    measure_flow(bench, "addon", WARMUP_SIZE)
    results = []
    for size in args.sizes:
        try:
            results.append(run_background_size(bench, size, log, runner, args.profile))
        except Exception as error:
            env.cr.rollback()
            log(f"N={size} background FAILED:\n{traceback.format_exc()}")
            message = f"{type(error).__name__}: {error}"
            results.append(BackgroundResult(size, 0, [], "error", message))
    names = [
        name for name in (SERIAL_NAME_CONSTRAINT, SERIAL_NAME_INDEX) if name in indexes
    ]
    return results, names, runner


# #32's bar: every chunk under 10 s, peak RSS under 1 GB
CHUNK_BAR_SECONDS = 10
RSS_BAR_MB = 1024


def report_background(results, name_indexes, runner):
    lines = [
        "",
        f"background generation, runner {runner.description}",
        f"the addon's btree on stock_lot (product_id, name): "
        f"{', '.join(name_indexes) or 'ABSENT'}",
    ]
    failed = False
    for r in results:
        lines.append("")
        if not r.chunks:
            lines.append(f"N={r.size}: FAILED before any chunk: {r.error}")
            failed = True
            continue
        times = [c.seconds for c in r.chunks]
        total = sum(times)
        first10 = statistics.median(times[:10])
        last10 = statistics.median(times[-10:])
        ratio = last10 / first10
        queries = [c.queries for c in r.chunks]
        others = [c.other_queries for c in r.chunks]
        longest = max(times)
        peak = r.peak_rss_mb or peak_rss_mb()
        lines += [
            f"N={r.size}: job {r.state}, {r.chunks[-1].done} serials in "
            f"{len(r.chunks)} chunks of {r.batch_size} (queued in "
            f"{r.queue_seconds:.2f} s)",
            f"  chunk time s: first {times[0]:.2f}, median "
            f"{statistics.median(times):.2f}, last {times[-1]:.2f}, max {longest:.2f} "
            f"({'within' if longest < CHUNK_BAR_SECONDS else 'ABOVE'} the "
            f"{CHUNK_BAR_SECONDS} s bar)",
            f"  median of the first 10 chunks {first10:.2f} s, of the last 10 "
            f"{last10:.2f} s: ratio {ratio:.2f}x "
            f"({'within' if ratio <= 1.2 else 'ABOVE'} the 1.2x bar)",
            f"  total {total:.1f} s, {r.chunks[-1].done / total:.0f} serials/s",
            f"  queries per chunk: median {statistics.median(queries):.0f}, "
            f"min {min(queries)}, max {max(queries)}; other cursors: median "
            f"{statistics.median(others):.0f}",
            f"  memory: RSS after the first chunk {r.chunks[0].rss_mb:.0f} MB, after "
            f"the last {r.chunks[-1].rss_mb:.0f} MB, process peak "
            f"{peak:.0f} MB (ru_maxrss, at the job's end; "
            f"{'within' if peak < RSS_BAR_MB else 'ABOVE'} the 1 GB bar)",
            f"  longest chunk {longest:.1f} s = {100 * longest / LIMIT_TIME_REAL:.0f}% "
            f"of Odoo's default limit_time_real of {LIMIT_TIME_REAL} s"
            f"{' (NEAR IT)' if longest > LIMIT_TIME_REAL / 2 else ''}",
            "  per chunk s: " + " ".join(f"{t:.1f}" for t in times),
        ]
        if r.plan:
            lines.append(
                f"  PostgreSQL's plans of a check of {r.batch_size} names now:"
            )
            lines += [f"    {line}" for line in r.plan]
        if r.state != "done" or r.error:
            failed = True
            lines.append(f"  FAILED: {r.error}")
    return "\n".join(lines), failed


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
        if args.paths:
            import bench_paths

            return bench_paths.main(env, args, log)
        if args.background:
            results, name_indexes, runner = run_background(env, args, log)
            text, failed = report_background(results, name_indexes, runner)
            print(text, flush=True)
            return 1 if failed else 0
        results, baseline = run_benchmark(env, args, log)
    print(report(results, baseline, args), flush=True)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
