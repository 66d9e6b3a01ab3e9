#!/usr/bin/env python3
"""What holds in tests must hold on Odoo's production server (#22).

``make production`` (dev/devenv.py) starts Odoo on `make run`'s database as
a production server runs it: ``--workers=4`` and a cron worker. This script
then drives it over XML-RPC, as users' browsers and integrations do:

1. a background generation of ``--big`` serials on one credit note, which
   the cron worker runs chunk by chunk;
2. meanwhile ``--clients`` clients at once, each posting ``--rounds``
   credit notes of ``--small`` serials and generating them (at once, in the
   request);
3. once the background job has committed a chunk or more, the server is
   killed with SIGKILL, as a crash or an OOM kill does, then started again;
   the job must go on from where it stopped.

It prints serials per second, the errors the clients got, the duplicate
serial names, and the units in stock against the units expected. Its exit
status is 0 only when there is no error, no duplicate, and every unit is in
stock once.

``--parallel`` runs #32's scenario instead: ``--clients`` clients each queue
a generation of ``--big`` serials on a credit note of their own, at once;
once ``--kill-at`` of all the serials are done, the server is killed
(SIGKILL) and started again. Every job must end done with exactly its
serials, on the runner named by ``--runner`` (the database's: OCA's job
queue when everest_serial_gen_queue is installed, else the scheduled
action), with 0 duplicates, and no two chunks of one document overlapping:
each chunk validates a transfer of its own (the backorders of the credit
note's receipt), and runs from the start of its transaction (its move
lines' create_date, PostgreSQL's now()) to that transfer's validation
(date_done), which must come before the next chunk's transaction starts.

Standard library only: it runs with any Python, against any server.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def say(message):
    print(f"[production] {message}", flush=True)


class Server:
    """The Odoo server, started from ``cmd``, killable as a whole."""

    def __init__(self, cmd, url, log_path):
        self.cmd, self.url, self.log_path = cmd, url, log_path
        self.process = None

    def start(self, timeout=180):
        log = open(self.log_path, "a")  # noqa: SIM115 - the server keeps it
        self.process = subprocess.Popen(
            self.cmd, stdout=log, stderr=log, start_new_session=True
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"Odoo stopped at start: see {self.log_path}")
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                return
            except OSError:
                time.sleep(1)
        raise SystemExit(f"Odoo did not answer within {timeout} s")

    def kill(self):
        """SIGKILL to the server and its workers: nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """One XML-RPC client: a connection of its own, as a browser has."""

    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"cannot log in as {login}")
        self.models = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def call(self, model, method, *args, context=None, **kwargs):
        if context:
            kwargs["context"] = context
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )

    def search_read_all(self, model, domain, fields, page=5000):
        """search_read in pages: one answer of 80,000 records outlasts a
        worker's limits (the client then gets a truncated answer)."""
        records = []
        while batch := self.call(
            model,
            "search_read",
            domain,
            fields,
            order="id",
            limit=page,
            offset=len(records),
        ):
            records += batch
            if len(batch) < page:
                break
        return records


class Scenario:
    def __init__(self, options):
        self.options = options
        self.admin = self.client()
        self.tag = uuid.uuid4().hex[:6]
        self.errors = []
        self.lock = threading.Lock()

    def client(self):
        options = self.options
        return Client(options.url, options.db, options.login, options.password)

    def setup(self):
        admin = self.admin
        company = admin.call("res.users", "read", [admin.uid], ["company_id"])[0]
        self.company_id = company["company_id"][0]
        admin.call(
            "res.company",
            "write",
            [self.company_id],
            {"serial_batch_size": self.options.batch},
        )
        self.product_id = admin.call(
            "product.product",
            "create",
            {
                "name": f"Production Check {self.tag}",
                "is_storable": True,
                "tracking": "serial",
            },
        )
        self.partner_id = admin.call(
            "res.partner", "create", {"name": f"Production Customer {self.tag}"}
        )

    def credit_note(self, client, quantity):
        move_id = client.call(
            "account.move",
            "create",
            {
                "move_type": "out_refund",
                "partner_id": self.partner_id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product_id,
                            "quantity": quantity,
                            "price_unit": 10,
                        },
                    )
                ],
            },
        )
        client.call("account.move", "action_post", [move_id])
        return move_id

    def generate(self, client, move_id):
        context = {"active_model": "account.move", "active_id": move_id}
        wizard_id = client.call("serial.generate.wizard", "create", {}, context=context)
        client.call("serial.generate.wizard", "action_generate", [wizard_id])

    def small_generations(self, index):
        client = self.client()
        for _round in range(self.options.rounds):
            try:
                self.generate(client, self.credit_note(client, self.options.small))
            except (xmlrpc.client.Fault, OSError) as error:
                with self.lock:
                    self.errors.append(f"client {index}: {str(error)[:300]}")

    def job(self, move_id):
        """The generation of credit note ``move_id`` (jobs name their
        document by model and id)."""
        jobs = self.admin.call(
            "serial.generation.job",
            "search_read",
            [("res_model", "=", "account.move"), ("res_id", "=", move_id)],
            ["state", "done_count", "total", "error", "runner"],
            order="id desc",
            limit=1,
        )
        return jobs[0] if jobs else None

    def chunks(self, job):
        """The chunks of ``job``, in order: [(start, end, serials)], one per
        transfer it validated: from its move lines' create_date (its
        transaction's start) to the transfer's date_done (its validation).
        Datetimes as XML-RPC gives them, to the second."""
        admin = self.admin
        transfer_ids = admin.call(
            "serial.generation.job", "read", [job["id"]], ["transfer_ids"]
        )[0]["transfer_ids"]
        transfers = admin.call(
            "stock.picking", "read", transfer_ids, ["state", "date_done"]
        )
        lines = admin.search_read_all(
            "stock.move.line",
            [("picking_id", "in", transfer_ids)],
            ["picking_id", "create_date"],
        )
        starts, counts = {}, Counter()
        for line in lines:
            picking_id = line["picking_id"][0]
            counts[picking_id] += 1
            starts[picking_id] = min(
                starts.get(picking_id, line["create_date"]), line["create_date"]
            )
        return sorted(
            (starts[t["id"]], t["date_done"] or "", counts[t["id"]])
            for t in transfers
            if t["state"] == "done" and t["id"] in starts
        )

    def wait_for(self, condition, timeout, what):
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            value = condition()
            if value:
                return value
            time.sleep(1)
        raise SystemExit(f"timed out waiting for {what}")

    def check(self, expected):
        admin = self.admin
        names = [
            lot["name"]
            for lot in admin.search_read_all(
                "stock.lot", [("product_id", "=", self.product_id)], ["name"]
            )
        ]
        duplicates = [name for name, count in Counter(names).items() if count > 1]
        in_stock = admin.call(
            "product.product", "read", [self.product_id], ["qty_available"]
        )[0]["qty_available"]
        return len(names), duplicates, in_stock


def overlaps(chunks):
    """The pairs of consecutive chunks of one document (``Scenario.chunks``)
    that overlap: the later one started before the earlier one's
    validation."""
    return [
        (earlier, later)
        for earlier, later in zip(chunks, chunks[1:], strict=False)
        if later[0] < earlier[1]
    ]


def parallel(scenario, server, options):
    """#32's scenario: ``--clients`` generations of ``--big`` serials queued
    at once, the server killed mid-run and started again; every job must
    end exactly. Returns whether all checks hold."""
    expected = options.clients * options.big
    started = time.monotonic()
    moves = [
        scenario.credit_note(scenario.admin, options.big)
        for _client in range(options.clients)
    ]

    def queue(index):
        try:
            scenario.generate(scenario.client(), moves[index])
        except (xmlrpc.client.Fault, OSError) as error:
            with scenario.lock:
                scenario.errors.append(f"client {index}: {str(error)[:300]}")

    with ThreadPoolExecutor(max_workers=options.clients) as clients:
        list(clients.map(queue, range(options.clients)))
    queued = time.monotonic() - started
    say(
        f"{options.clients} clients queued {options.big} serials each at once "
        f"in {queued:.1f} s"
    )

    def jobs():
        return [scenario.job(move) for move in moves]

    def done(current):
        return sum(job["done_count"] for job in current if job)

    current = scenario.wait_for(
        lambda: (
            (current := jobs())
            and all(current)
            and done(current) >= options.kill_at * expected
            and current
        ),
        3600,
        f"{options.kill_at:.0%} of the serials",
    )
    progress = ", ".join(f"{job['done_count']}" for job in current)
    say(f"killing the server (SIGKILL) at {done(current)} of {expected} ({progress})")
    killed_at = time.monotonic()
    server.kill()
    server.start()
    say(f"restarted in {time.monotonic() - killed_at:.1f} s; waiting for the jobs")
    current = scenario.wait_for(
        lambda: (
            (current := jobs()) and all(job["state"] != "queued" for job in current)
        )
        and current,
        3600,
        "the background jobs",
    )
    elapsed = time.monotonic() - started
    lots, duplicates, in_stock = scenario.check(expected)
    report, ok = {}, True
    for index, (move, job) in enumerate(zip(moves, current, strict=True)):
        lot_count = len(
            scenario.admin.call("account.move", "read", [move], ["serial_lot_ids"])[0][
                "serial_lot_ids"
            ]
        )
        chunks = scenario.chunks(job)
        overlapping = overlaps(chunks)
        seconds = [
            (
                time.mktime(time.strptime(end, "%Y-%m-%d %H:%M:%S"))
                - time.mktime(time.strptime(start, "%Y-%m-%d %H:%M:%S"))
            )
            for start, end, _count in chunks
            if end
        ]
        exact = (
            job["state"] == "done"
            and job["done_count"] == job["total"] == options.big
            and lot_count == options.big
            and sum(count for _start, _end, count in chunks) == options.big
        )
        ok = ok and exact and not overlapping and job["runner"] == options.runner
        report[f"job {index + 1}"] = (
            f"{job['state']} on {job['runner']}, {job['done_count']} of "
            f"{job['total']}, {lot_count} serials on its credit note, "
            f"{len(chunks)} chunks (longest {max(seconds, default=0):.0f} s), "
            f"{len(overlapping)} overlapping"
            + (f", error: {job['error']}" if job["error"] else "")
        )
        for earlier, later in overlapping:
            say(f"job {index + 1}: chunk {later} started before {earlier} ended")
    ok = ok and not scenario.errors and not duplicates
    ok = ok and lots == expected and in_stock == expected
    print(
        json.dumps(
            {
                "runner": options.runner,
                "serials expected": expected,
                "serials created": lots,
                "units in stock": in_stock,
                "duplicates": len(duplicates),
                "errors": len(scenario.errors),
                **report,
                "seconds": round(elapsed, 1),
                "serials per second": round(lots / elapsed, 1),
            },
            indent=2,
        )
    )
    for error in scenario.errors:
        say(f"error: {error}")
    return ok


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-cmd", required=True, help="JSON list")
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--big", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="#32's scenario: --clients generations of --big serials queued at "
        "once, the server killed mid-run",
    )
    parser.add_argument(
        "--runner",
        choices=("cron", "queue_job"),
        default="cron",
        help="the runner the database's jobs must run on",
    )
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.3,
        help="with --parallel: the share of all serials done when the server "
        "is killed (default 0.3)",
    )
    options = parser.parse_args(argv)

    server = Server(json.loads(options.server_cmd), options.url, options.log)
    say(f"starting Odoo with workers: {options.url}, log {options.log}")
    server.start()
    try:
        scenario = Scenario(options)
        scenario.setup()
        if options.parallel:
            ok = parallel(scenario, server, options)
            say("OK" if ok else "NOT OK")
            return 0 if ok else 1
        expected = options.big + options.clients * options.rounds * options.small
        started = time.monotonic()
        big = scenario.credit_note(scenario.admin, options.big)
        scenario.generate(scenario.admin, big)
        say(
            f"background job of {options.big} serials queued; "
            f"{options.clients} clients generate {options.rounds} x "
            f"{options.small} each"
        )
        with ThreadPoolExecutor(max_workers=options.clients) as clients:
            list(clients.map(scenario.small_generations, range(options.clients)))
        job = scenario.wait_for(
            lambda: (job := scenario.job(big)) and job["done_count"] > 0 and job,
            600,
            "the first chunk",
        )
        say(f"killing the server (SIGKILL) at {job['done_count']} of {job['total']}")
        server.kill()
        server.start()
        say("restarted; waiting for the job to end")
        job = scenario.wait_for(
            lambda: (job := scenario.job(big)) and job["state"] != "queued" and job,
            1800,
            "the background job",
        )
        elapsed = time.monotonic() - started
        lots, duplicates, in_stock = scenario.check(expected)
        print(
            json.dumps(
                {
                    "serials expected": expected,
                    "serials created": lots,
                    "units in stock": in_stock,
                    "duplicates": len(duplicates),
                    "errors": len(scenario.errors),
                    "background job": f"{job['state']}, {job['done_count']} of "
                    f"{job['total']}",
                    "seconds": round(elapsed, 1),
                    "serials per second": round(lots / elapsed, 1),
                },
                indent=2,
            )
        )
        for error in scenario.errors:
            say(f"error: {error}")
        ok = (
            not scenario.errors
            and not duplicates
            and lots == expected
            and in_stock == expected
            and job["state"] == "done"
        )
        say("OK" if ok else "NOT OK")
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
