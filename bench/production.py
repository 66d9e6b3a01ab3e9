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
        jobs = self.admin.call(
            "serial.generation.job",
            "search_read",
            [("account_move_id", "=", move_id)],
            ["state", "done_count", "total", "error"],
        )
        return jobs[0] if jobs else None

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
            for lot in admin.call(
                "stock.lot",
                "search_read",
                [("product_id", "=", self.product_id)],
                ["name"],
            )
        ]
        duplicates = [name for name, count in Counter(names).items() if count > 1]
        in_stock = admin.call(
            "product.product", "read", [self.product_id], ["qty_available"]
        )[0]["qty_available"]
        return len(names), duplicates, in_stock


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
    options = parser.parse_args(argv)

    server = Server(json.loads(options.server_cmd), options.url, options.log)
    say(f"starting Odoo with workers: {options.url}, log {options.log}")
    server.start()
    try:
        scenario = Scenario(options)
        scenario.setup()
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
