"""Upgrade check: a database made with the previous release keeps its
serials, links, generations, settings and sequences when it is upgraded to
the checkout's three addons (issue #23). Not part of the tests.

Run it with ``make upgrade-check`` (dev/devenv.py), which installs the
previous release (a commit of this repository, ``--ref``) with its demo data
into a new database, then calls::

    python dev/upgrade_check.py prepare --config OLD_CONF --database DB --snapshot S
    (odoo-bin -c NEW_CONF -d DB -u everest_serial_gen)
    python dev/upgrade_check.py verify --config NEW_CONF --database DB --snapshot S

``prepare`` runs on the previous release: on top of its demo data it
delivers, invoices and credits a sale (Generate Serial # then attaches the
delivered serials), and leaves a big generation queued with one chunk done,
as a server stopped for the upgrade leaves it. Then it writes what a user
sees: every serial with its quants, each document's serials, the
generations, the settings and the sequences.

``verify`` runs on the checkout after the upgrade: the same picture, the
split addons installed, a generation record for every document that has
serials, the queued generation stopped with its receipt closed, and a new
Generate Serial # that continues the numbering. It prints the figures and
exits non-zero on any difference.
"""

import argparse
import json
import sys

import odoo
import odoo.service.server  # noqa: F401  a namespace package since 19.0
from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

ADDON = "everest_serial_gen"
SPLIT_ADDONS = (ADDON, f"{ADDON}_sale", f"{ADDON}_vendor")
QUEUED_SIZE = 12
BATCH_SIZE = 5


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("prepare", "verify"))
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--snapshot", required=True)
    return parser.parse_args(argv)


# What a user sees --------------------------------------------------------------


def _name(record):
    return record.display_name if record else None


def _document(job):
    """A generation's document on either release: 1.0 had a column per
    document type, 1.1 names its model and id."""
    if "res_model" in job._fields:
        return job.env[job.res_model].browse(job.res_id) if job.res_model else None
    return job.account_move_id or job.picking_id or None


def snapshot(env):
    lots = env["stock.lot"].with_context(active_test=False).search([], order="id")
    quants = env["stock.quant"].search([("lot_id", "in", lots.ids)])
    in_stock = {}
    for quant in quants:
        per_location = in_stock.setdefault(str(quant.lot_id.id), {})
        location = quant.location_id.complete_name
        per_location[location] = per_location.get(location, 0.0) + quant.quantity
    lot_fields = [
        name
        for name in (
            "serial_origin",
            "serial_generated_date",
            "serial_customer_id",
            "serial_document_ref",
            "serial_replaces_lot_id",
            "serial_at_vendor",
        )
        if name in lots._fields
    ]
    documents = {}
    for model in ("account.move", "stock.picking"):
        for document in env[model].search([("serial_lot_ids", "!=", False)]):
            key = f"{model},{document.id}"
            documents[key] = sorted(document.serial_lot_ids.mapped("name"))
    jobs = {}
    for job in env["serial.generation.job"].search([], order="id"):
        document = _document(job)
        jobs[str(job.id)] = {
            "document": document and f"{document._name},{document.id}",
            "state": job.state,
            "user": job.user_id.login,
            "lots": sorted(job.lot_ids.mapped("name")),
            "done": job.done_count,
            "total": job.total,
            "receipt": job.receipt_id.name if "receipt_id" in job._fields else None,
        }
    sequences = env["ir.sequence"].search([("code", "like", "serial")])
    return {
        "modules": {
            module.name: module.state
            for module in env["ir.module.module"].search([("name", "in", SPLIT_ADDONS)])
        },
        "lots": {
            str(lot.id): {
                "name": lot.name,
                "product": lot.product_id.display_name,
                "company": lot.company_id.name,
                "in_stock": in_stock.get(str(lot.id), {}),
                **{name: _value(lot[name]) for name in lot_fields},
            }
            for lot in lots
        },
        "documents": documents,
        "receipts": {
            picking.name: picking.serial_account_move_id.name
            for picking in env["stock.picking"].search(
                [("serial_account_move_id", "!=", False)]
            )
        },
        "jobs": jobs,
        "settings": {
            company.name: {
                "stock": _name(company.serial_stock_location_id),
                "out": _name(company.serial_out_location_id),
                "sequence": _name(company.serial_sequence_id),
                "batch_size": company.serial_batch_size,
            }
            for company in env["res.company"].search([])
        },
        "warehouses": {
            warehouse.name: {
                name: _name(warehouse[name])
                for name in ("serial_out_location_id", "serial_vendor_return_type_id")
                if name in warehouse._fields
            }
            for warehouse in env["stock.warehouse"].search([])
        },
        "sequences": {
            sequence.name: [
                sequence.prefix,
                sequence.padding,
                sequence.number_next_actual,
            ]
            for sequence in sequences
        },
    }


def _value(value):
    if isinstance(value, odoo.models.BaseModel):
        return _name(value)
    return str(value) if value else None


# Prepare, on the previous release ---------------------------------------------


def _generate(document):
    """Generate Serial # as a user does it: the document's action, the
    wizard's defaults, OK."""
    action = document.action_generate_serial()
    wizard = document.env[action["res_model"]].with_context(action["context"])
    return wizard.create({}).action_generate()


def _serial_product(env, name):
    return env["product.product"].create(
        {
            "name": name,
            "is_storable": True,
            "tracking": "serial",
            "standard_price": 100.0,
            "list_price": 150.0,
        }
    )


def _credited_sale(env):
    """A sale of three serials, delivered and invoiced; a credit note of two."""
    company = env.company
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    product = _serial_product(env, "Upgrade Check Phone")
    customer = env["res.partner"].create({"name": "Upgrade Check Customer"})
    lots = env["stock.lot"].create(
        [
            {
                "name": f"UPG-SOLD-{n}",
                "product_id": product.id,
                "company_id": company.id,
            }
            for n in range(3)
        ]
    )
    for lot in lots:
        env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": warehouse.lot_stock_id.id,
                "lot_id": lot.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": 3})
            ],
        }
    )
    order.action_confirm()
    delivery = order.picking_ids
    delivery.action_assign()
    delivery.move_ids.picked = True
    delivery.with_context(skip_sms=True).button_validate()
    if delivery.state != "done":
        raise SystemExit(f"prepare: the delivery {delivery.name} is {delivery.state}")
    invoice = order._create_invoices()
    invoice.action_post()
    credit_note = invoice._reverse_moves(
        default_values_list=[{"invoice_date": fields.Date.today()}]
    )
    credit_note.invoice_line_ids.quantity = 2
    credit_note.action_post()
    _generate(credit_note)
    return credit_note


def _queued_generation(env):
    """A credit note of QUEUED_SIZE serials, generated in the background in
    chunks of BATCH_SIZE: one chunk done, the rest left queued."""
    env.company.serial_batch_size = BATCH_SIZE
    product = _serial_product(env, "Upgrade Check Router")
    customer = env["res.partner"].create({"name": "Upgrade Check Reseller"})
    credit_note = env["account.move"].create(
        {
            "move_type": "out_refund",
            "partner_id": customer.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": QUEUED_SIZE,
                        "price_unit": 150.0,
                    }
                )
            ],
        }
    )
    credit_note.action_post()
    _generate(credit_note)
    job = env["serial.generation.job"].search([], order="id desc", limit=1)
    if job.state != "queued":
        raise SystemExit(f"prepare: the big generation is {job.state}, not queued")
    job._process_chunk()
    return job


def prepare(env):
    credit_note = _credited_sale(env)
    job = _queued_generation(env)
    env.flush_all()
    picture = snapshot(env)
    print(
        f"prepared: {len(picture['lots'])} lots, {len(picture['documents'])} "
        f"documents with serials, {len(picture['jobs'])} generations "
        f"(sale credit note {credit_note.name}: "
        f"{len(credit_note.serial_lot_ids)} serials; queued generation {job.id}: "
        f"{job.done_count}/{job.total})"
    )
    return picture


# Verify, on the checkout -----------------------------------------------------------


def verify(env, before):
    after = snapshot(env)
    problems = []

    def compare(key):
        old, new = before[key], after[key]
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                problems.append(
                    f"{key} {name}: {old.get(name)!r} became {new.get(name)!r}"
                )

    for module in SPLIT_ADDONS:
        if after["modules"].get(module) != "installed":
            problems.append(f"{module} is {after['modules'].get(module)}")
    for key in ("lots", "documents", "receipts", "settings", "warehouses", "sequences"):
        compare(key)
    problems += _check_generations(env, before, after)
    problems += _check_new_generation(env, after)
    print(
        f"after the upgrade: {len(after['lots'])} lots, "
        f"{len(after['documents'])} documents with serials, "
        f"{len(before['jobs'])} generations kept, "
        f"{len(after['jobs']) - len(before['jobs'])} added for documents without one"
    )
    for problem in problems:
        print(f"DIFFERENT: {problem}")
    print("upgrade check: " + ("FAILED" if problems else "passed"))
    return 1 if problems else 0


def _check_generations(env, before, after):
    problems = []
    for job_id, old in before["jobs"].items():
        new = after["jobs"].get(job_id)
        if not new:
            problems.append(f"generation {job_id} is gone")
            continue
        wanted = dict(old, state="failed") if old["state"] == "queued" else old
        for name in ("document", "state", "user", "lots", "done", "total"):
            if new[name] != wanted[name]:
                problems.append(
                    f"generation {job_id} {name}: {wanted[name]!r} became {new[name]!r}"
                )
        if old["state"] == "queued":
            job = env["serial.generation.job"].browse(int(job_id))
            if "upgrade" not in (job.error or ""):
                problems.append(
                    f"queued generation {job_id} does not say why it stopped"
                )
            receipts = job.transfer_ids.filtered(
                lambda picking: picking.state not in ("done", "cancel")
            )
            if receipts:
                problems.append(
                    f"queued generation {job_id} left {receipts.mapped('name')} open"
                )
    generated = {}
    for job in after["jobs"].values():
        generated.setdefault(job["document"], set()).update(job["lots"])
    for document, lot_names in after["documents"].items():
        missing = set(lot_names) - generated.get(document, set())
        if missing:
            problems.append(f"{document}: no generation record for {sorted(missing)}")
    generated_lots = env["stock.lot"].search([("serial_document_ref", "!=", False)])
    unlinked = generated_lots.filtered(lambda lot: not lot.serial_job_ids)
    if unlinked:
        problems.append(
            f"generated serials with no generation: {unlinked.mapped('name')}"
        )
    return problems


def _check_new_generation(env, after):
    """Generate Serial # on a new credit note continues the numbering."""
    product = _serial_product(env, "Upgrade Check Tablet")
    customer = env["res.partner"].create({"name": "Upgrade Check New Customer"})
    credit_note = env["account.move"].create(
        {
            "move_type": "out_refund",
            "partner_id": customer.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": product.id, "quantity": 2, "price_unit": 10}
                )
            ],
        }
    )
    credit_note.action_post()
    _generate(credit_note)
    names = set(credit_note.serial_lot_ids.mapped("name"))
    problems = []
    if len(names) != 2:
        problems.append(f"a new Generate Serial # created {sorted(names)}")
    known = {lot["name"] for lot in after["lots"].values()}
    if names & known:
        problems.append(f"a new Generate Serial # repeated {sorted(names & known)}")
    stock = env.company.serial_stock_location_id
    quants = env["stock.quant"].search(
        [
            ("lot_id", "in", credit_note.serial_lot_ids.ids),
            ("location_id", "=", stock.id),
        ]
    )
    if sum(quants.mapped("quantity")) != 2:
        problems.append("a new Generate Serial # did not bring its serials into stock")
    print(f"a new Generate Serial # after the upgrade: {sorted(names)}")
    return problems


def main(argv):
    args = parse_args(argv)
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin").id)
        if args.step == "prepare":
            with open(args.snapshot, "w") as output:
                json.dump(prepare(env), output, indent=1, sort_keys=True)
            return 0
        with open(args.snapshot) as snapshot_file:
            before = json.load(snapshot_file)
        result = verify(env, before)
        cr.rollback()  # the new generation was a check, not data
        return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
