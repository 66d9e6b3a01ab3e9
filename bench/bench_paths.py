"""Paths mode of bench_generate.py: four flows a user meets after Generate
Serial #, each timed in Odoo's own way and in the addon's, side by side.

``bench_generate.py --paths`` dispatches here (see bench/README.md, "Paths
mode"). Each flow runs on a fresh product of its own; its setup is not timed
and is committed before the timing starts; the timing is bench_generate's
``measure()``: from a committed transaction with empty caches up to and
including the commit, queries counted with the cursor's ``sql_log_count``.
After each timed run, the result is checked (state done, each serial's
quantity where it must be and not where it came from).

- attach: Odoo's Return of a delivery, validated, against the addon's
  Generate Serial # on the credit note of its invoice (its default Attach).
- reverse: Odoo's Return of a customer receipt, validated, against the
  addon's Reverse Serial Generation on a credit note.
- send: an Odoo transfer of serials to a vendor, reserved and validated,
  against the addon's Send to Vendor.
- receive: an Odoo receipt of those serials from the vendor, validated,
  against the addon's Receive from Vendor (all repaired, no replacement).

With ``--background``, only the addon's side runs, with the company's batch
size as it is: above it, the user's OK queues a job, and the job's chunks
run as the background runner (``--runner``: Odoo's scheduled action, or
OCA's job queue) runs them, each in its own transaction; the OK and each
chunk are timed.
"""

import cProfile
import io
import pstats
import time
import traceback
from pathlib import Path

from bench_generate import (
    WARMUP_SIZE,
    Bench,
    Result,
    Runner,
    expect,
    measure,
    profiled_step,
)

from odoo import Command, fields

PATHS = ("attach", "reverse", "send", "receive")
SIDES = ("odoo", "addon")
DEFAULT_SIZES = [2000]
DEFAULT_REPEAT = 1

# What each path compares, Odoo's way then the addon's.
TITLES = {
    "attach": (
        "Odoo's Return of the delivery, validated",
        "Generate Serial # on the credit note, default Attach",
    ),
    "reverse": (
        "Odoo's Return of the customer receipt, validated",
        "Reverse Serial Generation on the credit note",
    ),
    "send": (
        "Odoo transfer to the vendor, reserved, validated",
        "Send to Vendor",
    ),
    "receive": (
        "Odoo receipt from the vendor, lots set, validated",
        "Receive from Vendor, repaired",
    ),
}


def parse_paths(text):
    """The paths named in ``text`` ("all" or a comma-separated list), in
    their order; ValueError for an unknown one."""
    if text == "all":
        return list(PATHS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PATHS]
    if unknown or not names:
        raise ValueError(
            f"--paths takes some of {', '.join(PATHS)}, not {', '.join(unknown)}"
        )
    return [path for path in PATHS if path in names]


# Documents of each path ---------------------------------------------------------


class PathsBench(Bench):
    """Each ``<path>_<side>(size)`` method prepares the documents of one flow
    on a fresh product, not timed, and returns ``(run, check)``."""

    def __init__(self, env):
        super().__init__(env)
        self.stock_location = self.warehouse.lot_stock_id
        self.vendor = env["res.partner"].create(
            {"name": "Bench Vendor", "is_company": True, "supplier_rank": 1}
        )
        self.vendor_location = self.vendor.property_stock_supplier
        self.today = fields.Date.context_today(self.customer)

    def new_product(self, path, side, size, **values):
        self.products += 1
        return self.env["product.product"].create(
            {
                "name": f"Bench {path} {side} {size} #{self.products}",
                "is_storable": True,
                "tracking": "serial",
                "standard_price": 100.0,
                "list_price": 150.0,
                **values,
            }
        )

    # Setup helpers --------------------------------------------------------------

    def in_stock(self, product, size, location=None):
        """``size`` new serials of ``product``, each with quantity 1 in
        ``location`` (WH/Stock by default)."""
        location = location or self.stock_location
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"B{self.products}-{index:06d}",
                    "product_id": product.id,
                    "company_id": self.company.id,
                }
                for index in range(1, size + 1)
            ]
        )
        Quant = self.env["stock.quant"].sudo()
        for lot in lots:
            Quant._update_available_quantity(product, location, 1, lot_id=lot)
        return lots

    def validate(self, picking):
        """Odoo's Validate on ``picking``, every move picked; it must end
        done (a dialog instead is an error)."""
        picking.move_ids.picked = True
        picking.with_context(skip_sms=True).button_validate()
        expect(picking.state == "done", f"{picking.name} is {picking.state}")

    def sell_deliver_invoice(self, product, size):
        """A sale of ``size`` units, its delivery reserved and validated,
        its invoice posted."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": size,
                            "price_unit": 150.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        delivery = order.picking_ids
        delivery.action_assign()
        expect(delivery.state == "assigned", f"delivery is {delivery.state}")
        self.validate(delivery)
        invoice = order._create_invoices()
        invoice.action_post()
        return order, delivery, invoice

    def odoo_return(self, picking, size):
        """Odoo's Return of ``size`` units of ``picking``; the return
        transfer, confirmed and reserved by Odoo."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        wizard.product_return_moves.quantity = size
        action = wizard.action_create_returns()
        return self.env["stock.picking"].browse(action["res_id"])

    def transfer(self, picking_type, source, destination, product, size, partner):
        """A transfer of ``size`` units of ``product``, confirmed."""
        picking = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": size,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    def send_with_odoo(self, lots):
        """Odoo's transfer of ``lots`` (all in WH/Stock) to the vendor, with
        the operation type the addon sends with, reserved by Odoo, validated."""
        picking = self.transfer(
            self.warehouse._serial_vendor_return_type(),
            self.stock_location,
            self.vendor_location,
            lots.product_id,
            len(lots),
            self.vendor,
        )
        picking.action_assign()
        reserved = picking.move_line_ids.lot_id
        expect(reserved == lots, f"Odoo reserved {len(reserved)} of the serials")
        self.validate(picking)
        return picking

    def credit_note(self, product, size):
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": size, "price_unit": 150}
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def generate(self, document):
        """Generate Serial # as the document's button opens it, defaults
        kept, then OK."""
        action = document.action_generate_serial()
        expect(
            action.get("res_model") == "serial.generate.wizard",
            f"Generate Serial # refused: {action.get('params')}",
        )
        wizard = (
            self.env[action["res_model"]].with_context(action["context"]).create({})
        )
        wizard.action_generate()
        return wizard

    # Checks ---------------------------------------------------------------------

    def quantities(self, lots, location):
        """{lot: quantity} of ``lots`` in ``location``, from the database."""
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [("lot_id", "in", lots.ids), ("location_id", "=", location.id)],
                ["lot_id"],
                ["quantity:sum"],
            )
        )
        return dict(groups)

    def expect_moves(self, lots, destination, source):
        """At the end of a flow's setup: the check, to run after the flow,
        that each of ``lots`` came into ``destination`` with quantity 1 (a
        customer's quant, which a receipt from the customer left at -1, back
        to 0) and that none is left in ``source``."""
        before = self.quantities(lots, destination)

        def check():
            self.env.invalidate_all()
            after = self.quantities(lots, destination)
            arrived = sum(
                1 for lot in lots if after.get(lot, 0) == before.get(lot, 0) + 1
            )
            expect(
                len(lots) and arrived == len(lots),
                f"{arrived} of {len(lots)} serials came into "
                f"{destination.display_name} (quantity +1 each)",
            )
            left = sum(
                1 for quantity in self.quantities(lots, source).values() if quantity
            )
            expect(not left, f"{left} serials still in {source.display_name}")

        return check

    def with_backorders(self, pickings):
        """``pickings`` and their backorders, at any depth: in the
        background, each chunk validates its part of a transfer and leaves
        the rest on a backorder, which the next chunk validates."""
        found = todo = pickings
        while todo:
            todo = (
                self.env["stock.picking"].search([("backorder_id", "in", todo.ids)])
                - found
            )
            found |= todo
        return found

    @staticmethod
    def expect_done(pickings, what):
        states = sorted(set(pickings.mapped("state")))
        expect(states == ["done"], f"{what}: {states or 'no transfer'}")

    # 1. attach ------------------------------------------------------------------

    def attach_odoo(self, size):
        product = self.new_product("attach", "odoo", size, invoice_policy="delivery")
        self.in_stock(product, size)
        order, delivery, _invoice = self.sell_deliver_invoice(product, size)
        lots = delivery.move_line_ids.lot_id
        moved = self.expect_moves(lots, delivery.location_id, self.customer_location)
        returned = self.env["stock.picking"]

        def run():
            nonlocal returned
            returned = self.odoo_return(delivery, size)
            self.validate(returned)

        def check():
            self.expect_done(returned, "the return")
            moved()
            delivered = order.order_line.qty_delivered
            expect(delivered == 0, f"qty_delivered {delivered}")

        return run, check

    def attach_addon(self, size):
        product = self.new_product("attach", "addon", size, invoice_policy="delivery")
        self.in_stock(product, size)
        order, delivery, invoice = self.sell_deliver_invoice(product, size)
        lots = delivery.move_line_ids.lot_id
        refund = invoice._reverse_moves(
            default_values_list=[{"invoice_date": self.today}]
        )
        refund.action_post()
        moved = self.expect_moves(
            lots, self.company.serial_stock_location_id, self.customer_location
        )

        def run():
            self.generate(refund)

        def check():
            expect(refund.serial_lot_ids == lots, "the credit note's serials")
            self.expect_done(refund.serial_picking_ids, "the credit note's receipt")
            moved()
            delivered = order.order_line.qty_delivered
            expect(delivered == 0, f"qty_delivered {delivered}")

        return run, check

    # 2. reverse -----------------------------------------------------------------

    def reverse_odoo(self, size):
        product = self.new_product("reverse", "odoo", size)
        receipt = self.transfer(
            self.warehouse.in_type_id,
            self.customer_location,
            self.stock_location,
            product,
            size,
            self.customer,
        )
        receipt.move_ids._generate_serial_numbers(
            next_serial=f"R{self.products}-000001", next_serial_count=size
        )
        self.validate(receipt)
        lots = receipt.move_line_ids.lot_id
        expect(len(lots) == size, f"{len(lots)} serials received")
        moved = self.expect_moves(lots, self.customer_location, self.stock_location)
        returned = self.env["stock.picking"]

        def run():
            nonlocal returned
            returned = self.odoo_return(receipt, size)
            self.validate(returned)

        def check():
            self.expect_done(returned, "the return")
            expect(returned.move_line_ids.lot_id == lots, "the returned serials")
            moved()

        return run, check

    def reverse_addon(self, size):
        product = self.new_product("reverse", "addon", size)
        refund = self.credit_note(product, size)
        self.generate(refund)
        lots = refund.serial_lot_ids
        expect(len(lots) == size, f"{len(lots)} serials generated")
        location = lots.location_id
        expect(len(location) == 1, "the serials are in one location")
        moved = self.expect_moves(lots, self.customer_location, location)

        def run():
            refund.action_reverse_serial_generation()

        def check():
            returns = self.with_backorders(refund.serial_picking_ids.return_ids)
            self.expect_done(returns, "the reversal's returns")
            expect(returns.move_line_ids.lot_id == lots, "the returned serials")
            moved()

        return run, check

    # 3. send --------------------------------------------------------------------

    def send_odoo(self, size):
        product = self.new_product("send", "odoo", size)
        lots = self.in_stock(product, size)
        moved = self.expect_moves(lots, self.vendor_location, self.stock_location)
        sent = self.env["stock.picking"]

        def run():
            nonlocal sent
            sent = self.send_with_odoo(lots)

        def check():
            self.expect_done(sent, "the transfer to the vendor")
            moved()

        return run, check

    def send_addon(self, size):
        product = self.new_product("send", "addon", size)
        lots = self.in_stock(product, size)
        moved = self.expect_moves(lots, self.vendor_location, self.stock_location)
        sent = self.env["stock.picking"]

        def run():
            nonlocal sent
            wizard = self.env["serial.send.vendor.wizard"].create(
                {"lot_ids": [Command.set(lots.ids)], "partner_id": self.vendor.id}
            )
            sent = transfers_of(self.env, wizard.action_send())

        def check():
            transfers = self.with_backorders(sent)
            self.expect_done(transfers, "Send to Vendor's transfer")
            expect(transfers.move_line_ids.lot_id == lots, "the sent serials")
            moved()

        return run, check

    # 4. receive -----------------------------------------------------------------

    def at_vendor(self, side, size):
        """``size`` serials sent to the vendor from WH/Stock by a validated
        Odoo transfer, the same for both sides."""
        product = self.new_product("receive", side, size)
        lots = self.in_stock(product, size)
        self.send_with_odoo(lots)
        return lots

    def receive_odoo(self, size):
        lots = self.at_vendor("odoo", size)
        moved = self.expect_moves(lots, self.stock_location, self.vendor_location)
        received = self.env["stock.picking"]

        def run():
            nonlocal received
            received = self.transfer(
                self.warehouse.in_type_id,
                self.vendor_location,
                self.stock_location,
                lots.product_id,
                size,
                self.vendor,
            )
            # the move's Serial Numbers field, as the user fills it
            received.move_ids.lot_ids = lots
            self.validate(received)

        def check():
            self.expect_done(received, "the receipt")
            expect(received.move_line_ids.lot_id == lots, "the received serials")
            moved()

        return run, check

    def receive_addon(self, size):
        lots = self.at_vendor("addon", size)
        moved = self.expect_moves(lots, self.stock_location, self.vendor_location)
        received = self.env["stock.picking"]

        def run():
            nonlocal received
            wizard = (
                self.env["serial.vendor.receive.wizard"]
                .with_context(serial_lot_ids=lots.ids)
                .create({})
            )
            received = transfers_of(self.env, wizard.action_receive())

        def check():
            transfers = self.with_backorders(received)
            self.expect_done(transfers, "Receive from Vendor's receipt")
            expect(transfers.move_line_ids.lot_id == lots, "the received serials")
            moved()
            expect(
                not any(lots.mapped("serial_at_vendor")), "serials still at the vendor"
            )

        return run, check


def transfers_of(env, action):
    """The transfers a vendor wizard's action opens, after its notification
    when they run in the background."""
    if action.get("tag") == "display_notification":
        action = action["params"]["next"]
    return env["stock.picking"].search(action["domain"])


# Measuring ----------------------------------------------------------------------


def profiled(run, stats_file):
    """``run`` under cProfile; its stats saved to ``stats_file``, its top
    functions by cumulative time printed."""

    def run_profiled():
        profile = cProfile.Profile()
        profile.runcall(run)
        profile.dump_stats(stats_file)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
        print(f"profile of {stats_file.stem}:\n{text.getvalue()}", flush=True)

    return run_profiled


def measure_path(bench, path, side, size, profile_dir=None):
    """Prepare, time and check one flow. The addon's runs with the company's
    batch size above ``size``, in one transaction; restored afterwards."""
    env = bench.env
    company = bench.company
    batch_size = company.serial_batch_size
    try:
        if side == "addon":
            company.serial_batch_size = max(batch_size, size + 1)
        run, check = getattr(bench, f"{path}_{side}")(size)
        if profile_dir:
            Path(profile_dir).mkdir(parents=True, exist_ok=True)
            run = profiled(run, Path(profile_dir) / f"{path}-{side}-{size}.pstats")
        result = measure(env, run)  # commits the setup first, then times
        check()
        return result
    except Exception:
        env.cr.rollback()
        raise
    finally:
        env.invalidate_all()
        if company.serial_batch_size != batch_size:
            company.serial_batch_size = batch_size
            env.flush_all()
            env.cr.commit()


def run_paths(env, args, log):
    """{(path, size, side): Result}, and the failures of the warm-up."""
    bench = PathsBench(env)
    env.cr.commit()
    results, warmup_errors = {}, []

    def attempt(path, side, size, profile_dir=None):
        try:
            return measure_path(bench, path, side, size, profile_dir), None
        except Exception as error:
            log(f"{path} N={size} {side} FAILED:\n{traceback.format_exc()}")
            return None, f"{type(error).__name__}: {str(error).strip()}"

    for path in args.paths:
        log(f"{path}: warming up with N={WARMUP_SIZE}")
        for side in SIDES:
            _timed, error = attempt(path, side, WARMUP_SIZE)
            if error:
                warmup_errors.append(f"{path} warm-up {side}: {error}")
        for size in args.sizes:
            for side in SIDES:
                results[path, size, side] = Result(size, side, [])
            for repeat in range(args.repeat):
                for side in SIDES:
                    result = results[path, size, side]
                    if result.error:
                        continue
                    log(f"{path} N={size} {side}: timed run {repeat + 1}/{args.repeat}")
                    timed, result.error = attempt(path, side, size, args.profile)
                    if timed:
                        result.measures.append(timed)
    return results, warmup_errors


# Report -------------------------------------------------------------------------


def cell(result):
    if result.error or not result.measures:
        return "FAILED"
    text = f"{result.seconds:.2f} / {result.queries}"
    if result.other_queries:
        text += f" (+{result.other_queries})"
    return text


def ratio(results, path, size):
    """Odoo's time / the addon's, or None when a side failed."""
    odoo_result, addon = (results[path, size, side] for side in SIDES)
    if any(r.error or not r.measures for r in (odoo_result, addon)):
        return None
    return odoo_result.seconds / addon.seconds


def report(results, warmup_errors, args):
    header = (
        f"{'path':<9}{'N':>7}  {'odoo s / queries':>20}  {'addon s / queries':>20}"
        f"  {'odoo/addon':>10}"
    )
    lines = ["", header, "-" * len(header)]
    for path in args.paths:
        for size in args.sizes:
            odoo_result, addon = (results[path, size, side] for side in SIDES)
            value = ratio(results, path, size)
            shown = f"{value:.2f}x" if value is not None else "FAILED"
            lines.append(
                f"{path:<9}{size:>7}  {cell(odoo_result):>20}  {cell(addon):>20}"
                f"  {shown:>10}"
            )
    lines.append("")
    for path in args.paths:
        odoo_title, addon_title = TITLES[path]
        ratios = [(size, ratio(results, path, size)) for size in args.sizes]
        failed = [size for size, value in ratios if value is None]
        measured = ", ".join(
            f"{value:.2f}x at N={size}" for size, value in ratios if value is not None
        )
        if failed:
            verdict = f"FAILED at N={', '.join(map(str, failed))}"
        elif all(value > 1 for _size, value in ratios):
            verdict = "addon faster at every N"
        else:
            verdict = "addon NOT faster at every N"
        lines.append(
            f"{path}: odoo ({odoo_title}) / addon ({addon_title}): "
            f"{measured or 'no ratio'}; {verdict}"
        )
    lines += [
        "",
        f"s / queries: median of {args.repeat} run(s), each from a committed "
        "transaction with empty caches up to its commit; setup not timed;",
        "queries: the cursor's sql_log_count, (+n) on other cursors; each run "
        "checked afterwards (done, serials where they must be).",
    ]
    failures = [
        f"{path} N={size} {side}: {result.error[:2000]}"
        for (path, size, side), result in results.items()
        if result.error
    ] + warmup_errors
    if failures:
        lines += ["", "FAILURES (tracebacks above):", *failures]
    return "\n".join(lines), bool(failures)


def run_background_path(bench, path, size, log, runner, profile_dir=None):
    """The addon's ``path`` on ``size`` serials with the company's batch
    size: the OK timed, then each chunk of the jobs it queued, run as
    ``runner`` (bench_generate's Runner) runs them, commit after each.
    Returns (OK seconds, [chunk seconds]), checked."""
    env = bench.env
    cr = env.cr
    company = bench.company
    batch_size = company.serial_batch_size
    # the setup (a generation to reverse) runs at once; only the path queues
    company.serial_batch_size = max(batch_size, size + 1)
    try:
        run, check = getattr(bench, f"{path}_addon")(size)
    finally:
        company.serial_batch_size = batch_size
    env.flush_all()
    cr.commit()
    Job = env["serial.generation.job"]
    before = Job.search([], order="id desc", limit=1).id or 0
    start = time.perf_counter()
    run()
    env.flush_all()
    cr.commit()
    ok_seconds = time.perf_counter() - start
    jobs = Job.search([("id", ">", before)])
    log(f"{path} N={size}: OK {ok_seconds:.2f} s, {len(jobs)} job(s) queued")
    runners = set(jobs.mapped("runner"))
    expect(runners <= {runner.name}, f"the jobs run on {', '.join(runners)}")
    chunks = []
    while jobs.filtered(lambda job: job.state == "queued"):
        env.invalidate_all()
        start = time.perf_counter()
        if profile_dir:
            name = f"background-{path}-{runner.name}-{size}-chunk{len(chunks) + 1}"
            profiled_step(runner, cr, Path(profile_dir) / f"{name}.pstats")
        else:
            runner.step(cr)
        cr.commit()
        chunks.append(time.perf_counter() - start)
        env.invalidate_all()
        log(f"{path} N={size}: chunk {len(chunks)} {chunks[-1]:.2f} s")
        expect(
            len(chunks) <= -(-size // bench.company.serial_batch_size) + 3,
            "the jobs make no progress",
        )
    expect(all(job.state == "done" for job in jobs), f"jobs {jobs.mapped('error')}")
    check()
    return ok_seconds, chunks


def main_background(env, args, log):
    bench = PathsBench(env)
    env.cr.commit()
    runner = Runner(env, args.runner)
    log(f"runner {runner.description}")
    batch = bench.company.serial_batch_size
    header = (
        f"{'path':<9}{'N':>7}  {'OK s':>7}  {'chunks':>6}  {'max chunk s':>11}"
        f"  {'total s':>8}"
    )
    lines, failed = ["", header, "-" * len(header)], False
    for path in args.paths:
        for size in args.sizes:
            try:
                ok, chunks = run_background_path(
                    bench, path, size, log, runner, args.profile
                )
            except Exception:
                env.cr.rollback()
                log(f"{path} N={size} background FAILED:\n{traceback.format_exc()}")
                lines.append(f"{path:<9}{size:>7}  FAILED")
                failed = True
                continue
            lines.append(
                f"{path:<9}{size:>7}  {ok:>7.2f}  {len(chunks):>6}  "
                f"{max(chunks, default=0):>11.2f}  {ok + sum(chunks):>8.2f}"
            )
    lines += [
        "",
        f"the addon alone, batch size {batch}, runner {runner.description}: "
        "OK is the user's request (it runs at once at or below the batch size); "
        "each chunk one transaction of the runner; each run checked afterwards.",
    ]
    print("\n".join(lines), flush=True)
    return 1 if failed else 0


def main(env, args, log):
    """Run the paths of ``args``, print the table; the exit status."""
    if args.background:
        return main_background(env, args, log)
    results, warmup_errors = run_paths(env, args, log)
    text, failed = report(results, warmup_errors, args)
    print(text, flush=True)
    return 1 if failed else 0
