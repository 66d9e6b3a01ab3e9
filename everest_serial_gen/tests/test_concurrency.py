"""Concurrent generation on committed cursors, in the manner of Odoo's
``addons/onboarding/tests/test_onboarding_concurrency.py``.

Each thread prepares its document and commits it, then opens its own
cursor, waits at a barrier and acts through Odoo's own request handling
(``odoo.service.model.retrying``: a serialization failure retries the
request, a database constraint becomes a ValidationError), so that both
transactions took their snapshot before either commits: the case where
Odoo's Python-only uniqueness check lets two identical serials commit.
"""

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from odoo.addons.everest_serial_gen.models import serial_generation_job

ROUNDS = 20
SERIALS_PER_GENERATION = 50
# Odoo's own validation of this many serials took longer than the 15 s that
# an earlier lock of the addon's waited, on this 2-core machine
RECEIPT_SERIALS = 5000

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            cls.uid = env.ref("base.user_admin").id
            cls.product_id = (
                env["product.product"]
                .create(
                    {
                        "name": f"Concurrent Laptop {uuid.uuid4().hex[:8]}",
                        "is_storable": True,
                        "tracking": "serial",
                    }
                )
                .id
            )
            cls.partner_id = (
                env["res.partner"].create({"name": "Concurrent Customer"}).id
            )

    def _run_concurrently(self, *tasks, retry=True):
        """Run each task ``(prepare, act)`` in its own thread: ``prepare(env)``
        commits first, then all ``act(prepared)`` start at once, each in its
        own transaction, as Odoo runs a request (with its retry unless not
        ``retry``). Returns what each act returned, or the UserError or
        serialization failure it ended with."""
        prepared = []
        for prepare, _act in tasks:
            with self.registry.cursor() as cr:
                prepared.append(prepare(api.Environment(cr, self.uid, {})))
                cr.flush()
                prepared[-1] = (prepared[-1]._name, prepared[-1].ids)
        barrier = threading.Barrier(len(tasks))

        def run(task):
            (_prepare, act), (model, ids) = task
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.uid, {})
                barrier.wait(timeout=30)
                try:
                    if not retry:
                        return act(env[model].browse(ids))
                    return retrying(lambda: act(env[model].browse(ids)), env)
                except (UserError, SerializationFailure) as error:
                    cr.rollback()
                    return error

        with ThreadPoolExecutor(max_workers=len(tasks)) as executor:
            return list(executor.map(run, zip(tasks, prepared, strict=True)))

    def _create_refund(self, env, quantity):
        return env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.partner_id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_id,
                            "quantity": quantity,
                            "price_unit": 1,
                        }
                    )
                ],
            }
        )

    def _wizard(self, env, refund_id, **line_values):
        wizard = (
            env["serial.generate.wizard"]
            .with_context(active_model="account.move", active_id=refund_id)
            .create({})
        )
        wizard.line_ids.write(line_values)
        return wizard

    def _generation(self, quantity, **line_values):
        """A generation on a credit note of its own."""
        return (
            lambda env: self._wizard(
                env, self._create_refund(env, quantity).id, **line_values
            ),
            lambda wizard: wizard.action_generate() and wizard.lot_ids.mapped("name"),
        )

    def _committed_refund(self, quantity):
        with self.registry.cursor() as cr:
            return self._create_refund(api.Environment(cr, self.uid, {}), quantity).id

    def _generation_on(self, refund_id):
        """A generation on the given credit note."""
        return (
            lambda env: self._wizard(env, refund_id),
            lambda wizard: wizard.action_generate() and wizard.lot_ids.mapped("name"),
        )

    def _lot_create(self, name):
        return (
            lambda env: env["stock.lot"],
            lambda lots: lots.create(
                {"name": name, "product_id": self.product_id}
            ).name,
        )

    def _odoo_receipt(self, prefix, count):
        """Odoo's own receipt of ``count`` new serials of the product, made
        with its Generate Serials and validated."""

        def prepare(env):
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            picking = env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": env.ref("stock.stock_location_suppliers").id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": self.product_id,
                                "product_uom_qty": count,
                                "location_id": env.ref(
                                    "stock.stock_location_suppliers"
                                ).id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            return picking

        def act(picking):
            picking.move_ids._generate_serial_numbers(
                next_serial=f"{prefix}-000001", next_serial_count=count
            )
            picking.with_context(skip_sms=True).button_validate()
            return picking.state

        return prepare, act

    def _duplicates(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT name, count(*) FROM stock_lot WHERE product_id = %s
                    GROUP BY name HAVING count(*) > 1""",
                [self.product_id],
            )
            return cr.fetchall()

    def _lot_count(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM stock_lot WHERE product_id = %s",
                [self.product_id],
            )
            return cr.fetchone()[0]

    @mute_logger("odoo.sql_db")
    def test_odoo_receipts_of_the_same_product_both_commit(self):
        """Two users validate Odoo's own receipts of the same product at the
        same moment, each with its own new serials: both commit, as without
        the addon, however long the first takes (#22). A lock of the
        addon's on lot creation made the second give up after 15 s."""
        before = self._lot_count()
        started = time.monotonic()
        results = self._run_concurrently(
            self._odoo_receipt(f"RCV-A-{uuid.uuid4().hex[:6]}", RECEIPT_SERIALS),
            self._odoo_receipt(f"RCV-B-{uuid.uuid4().hex[:6]}", RECEIPT_SERIALS),
        )
        self.assertEqual(results, ["done", "done"])
        self.assertEqual(self._lot_count() - before, 2 * RECEIPT_SERIALS)
        self.assertEqual(self._duplicates(), [])
        _logger.info(
            "two receipts of %s serials each: %.1f s",
            RECEIPT_SERIALS,
            time.monotonic() - started,
        )

    @mute_logger("odoo.sql_db")
    def test_acceptance_concurrent_sequence_generations(self):
        """Two generations of 50 serials, concurrently, 20 times: 2,000
        distinct serials and no duplicate."""
        before = self._lot_count()
        names = []
        for _round in range(ROUNDS):
            results = self._run_concurrently(
                self._generation(SERIALS_PER_GENERATION),
                self._generation(SERIALS_PER_GENERATION),
            )
            for result in results:
                self.assertIsInstance(result, list, result)
                names += result
        self.assertEqual(len(names), 2 * ROUNDS * SERIALS_PER_GENERATION)
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(self._lot_count() - before, len(names))
        self.assertEqual(self._duplicates(), [])

    @mute_logger("odoo.sql_db")
    def test_same_typed_serials_one_wins(self):
        """Both users type the same first serial: one generation wins, the
        other gets the clash error and creates nothing."""
        for round_ in range(5):
            first = f"CLASH-{uuid.uuid4().hex[:6]}-{round_}-001"
            before = self._lot_count()
            results = self._run_concurrently(
                self._generation(3, first_serial=first),
                self._generation(3, first_serial=first),
            )
            won = [result for result in results if isinstance(result, list)]
            lost = [result for result in results if isinstance(result, UserError)]
            self.assertEqual((len(won), len(lost)), (1, 1), results)
            self.assertIn(first, str(lost[0]))
            self.assertEqual(self._lot_count() - before, 3)
        self.assertEqual(self._duplicates(), [])

    @mute_logger("odoo.sql_db")
    def test_two_users_on_the_same_credit_note(self):
        """Both open Generate Serial # on a credit note of 5 and click OK at
        once: the second waits, PostgreSQL refuses its stale view, Odoo
        retries it, and the retry finds nothing left. 5 serials, not 10."""
        for _round in range(3):
            refund_id = self._committed_refund(5)
            results = self._run_concurrently(
                self._generation_on(refund_id),
                self._generation_on(refund_id),
                retry=False,
            )
            won = [result for result in results if isinstance(result, list)]
            retried = [r for r in results if isinstance(r, SerializationFailure)]
            self.assertEqual((len(won), len(retried)), (1, 1), results)
            # what Odoo's retry of the request does: start again
            retry = self._run_concurrently(self._generation_on(refund_id))
            self.assertIsInstance(retry[0], UserError)
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.uid, {})
                refund = env["account.move"].browse(refund_id)
                self.assertEqual(len(refund.serial_lot_ids), 5)
                self.assertEqual(len(refund.serial_picking_ids), 1)
        self.assertEqual(self._duplicates(), [])

    @mute_logger("odoo.sql_db")
    def test_serial_typed_on_odoo_screens_meanwhile(self):
        """A serial created on Odoo's own screens (stock.lot.create) while
        the wizard generates the same name cannot slip past either."""
        for round_ in range(5):
            name = f"SCREEN-{uuid.uuid4().hex[:6]}-{round_}"
            results = self._run_concurrently(
                self._generation(1, serial_list=name), self._lot_create(name)
            )
            self.assertEqual(
                sum(isinstance(result, UserError) for result in results), 1
            )
        self.assertEqual(self._duplicates(), [])

    @mute_logger(
        "odoo.sql_db", "odoo.addons.everest_serial_gen.models.serial_generation_job"
    )
    def test_runner_skips_a_document_a_user_holds(self):
        """A user's open transaction on a document holds its background job
        back a few seconds at most; the next job runs meanwhile."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.uid, {})
            company = env.company
            batch_size = company.serial_batch_size
            company.serial_batch_size = 2
            held, free = (self._create_refund(env, 3) for _refund in range(2))
            for refund in (held, free):
                self._wizard(env, refund.id).action_generate()
            jobs = (held | free).serial_job_ids
            self.assertEqual(len(jobs), 2)
        user_cr = self.registry.cursor()
        try:
            user_cr.execute(
                "SELECT id FROM account_move WHERE id = %s FOR UPDATE", [held.id]
            )
            with patch.object(serial_generation_job, "JOB_LOCK_TIMEOUT", "300ms"):
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.uid, {})
                    env["serial.generation.job"]._cron_process()
        finally:
            user_cr.rollback()
            user_cr.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            held_job, free_job = env["serial.generation.job"].browse(jobs.ids)
            self.assertEqual((held_job.state, held_job.done_count), ("queued", 0))
            self.assertEqual(free_job.done_count, 2)
            # leave nothing queued for other tests
            jobs.with_env(env).write({"state": "failed", "error": "test"})
            env.company.serial_batch_size = batch_size
