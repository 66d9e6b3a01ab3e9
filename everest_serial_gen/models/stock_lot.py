import re
from collections import defaultdict

from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# Odoo's own import accepts one value per line, or values separated by tabs or
# semicolons: a column pasted from a spreadsheet, or a typed list.
SERIAL_LIST_SEPARATORS = re.compile(r"[\r\n\t;]+")
# How long a generation waits for another one of the same product to finish.
SERIAL_LOCK_TIMEOUT = "15s"
SERIAL_MAX_SEQUENCE_ROUNDS = 20


class SerialBusyError(UserError):
    """Another transaction creates serials of the same product right now."""


def parse_serial_list(text):
    """Split a typed or pasted list of serial numbers into names."""
    return [
        name.strip()
        for name in SERIAL_LIST_SEPARATORS.split(text or "")
        if name.strip()
    ]


class StockLot(models.Model):
    _inherit = "stock.lot"

    serial_account_move_ids = fields.Many2many(
        "account.move",
        "account_move_serial_lot_rel",
        "lot_id",
        "move_id",
        string="Generated on Credit Note",
        readonly=True,
        copy=False,
        check_company=True,
    )
    serial_picking_ids = fields.Many2many(
        "stock.picking",
        "stock_picking_serial_lot_rel",
        "lot_id",
        "picking_id",
        string="Generated on Return",
        readonly=True,
        copy=False,
        check_company=True,
    )

    # Uniqueness --------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo checks uniqueness in Python only, so two transactions creating
        # the same serial both commit. Serialize lot creation per product and
        # check against what other transactions committed meanwhile.
        if not self.env.context.get("serial_names_checked"):
            self._serial_check_vals(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if {"name", "product_id", "company_id"}.intersection(
            vals
        ) and not self.env.context.get("serial_names_checked"):
            self._serial_check_vals(
                [
                    {
                        "name": vals.get("name", lot.name),
                        "product_id": vals.get("product_id", lot.product_id.id),
                        "company_id": vals.get("company_id", lot.company_id.id),
                    }
                    for lot in self
                ],
                exclude=self,
            )
        return super().write(vals)

    @api.model
    def _serial_check_vals(self, vals_list, exclude=None):
        names_by_key = defaultdict(list)
        for vals in vals_list:
            if vals.get("name") and vals.get("product_id"):
                company_id = vals.get("company_id") or False
                names_by_key[(company_id, vals["product_id"])].append(vals["name"])
        if not names_by_key:
            return
        self._serial_lock_products(
            {product_id for _company, product_id in names_by_key}
        )
        for (company_id, product_id), names in names_by_key.items():
            product = self.env["product.product"].browse(product_id)
            company = self.env["res.company"].browse(company_id)
            self._serial_check_names(company, product, names, exclude=exclude)

    @api.model
    def _serial_lock_products(self, product_ids):
        """Wait, for at most SERIAL_LOCK_TIMEOUT, until no other transaction
        creates serials of these products; keep them until commit.

        A PostgreSQL transaction-level advisory lock, so that it holds across
        Odoo workers and servers and is released by commit or rollback.
        """
        ids = sorted(product_ids)
        if not ids:
            return
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT current_setting('lock_timeout'), "
                "set_config('lock_timeout', %s, true)",
                SERIAL_LOCK_TIMEOUT,
            )
        )
        previous_timeout = cr.fetchone()[0]
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        """SELECT pg_advisory_xact_lock(hashtext('stock.lot'), id)
                             FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ids""",
                        ids,
                    )
                )
        except LockNotAvailable:
            products = self.env["product.product"].browse(ids)
            raise SerialBusyError(
                self.env._(
                    "Serial numbers of %(products)s are being created by another "
                    "user right now. Try again in a moment.",
                    products=", ".join(products.mapped("display_name")),
                )
            ) from None
        finally:
            cr.execute(
                SQL("SELECT set_config('lock_timeout', %s, true)", previous_timeout)
            )

    @api.model
    def _serial_existing_names(self, company, product, names, exclude=None):
        """Return which of ``names`` already exist for ``product`` in
        ``company`` or without a company, in one query."""
        if not names:
            return set()
        query = SQL(
            """SELECT name FROM stock_lot
                WHERE product_id = %(product)s
                  AND name = ANY(%(names)s)
                  AND (%(company)s IS NULL OR company_id = %(company)s
                       OR company_id IS NULL)
                  AND id != ALL(%(exclude)s)""",
            product=product.id,
            names=list(names),
            company=company.id or None,
            exclude=list(exclude.ids if exclude else []),
        )
        # Our own transaction's lots, then what others committed since this
        # transaction's snapshot: Odoo runs requests in REPEATABLE READ, so a
        # serial committed while we waited for the lock is invisible here.
        self.env.flush_all()
        self.env.cr.execute(query)
        existing = {name for (name,) in self.env.cr.fetchall()}
        with self.env.registry.cursor() as fresh_cr:
            fresh_cr.execute(query)
            existing.update(name for (name,) in fresh_cr.fetchall())
        return existing

    @api.model
    def _serial_check_names(self, company, product, names, exclude=None):
        """Raise one error listing every name that is repeated or already used."""
        seen, repeated = set(), set()
        for name in names:
            (repeated if name in seen else seen).add(name)
        clashes = repeated | self._serial_existing_names(
            company, product, seen, exclude
        )
        if clashes:
            raise ValidationError(
                self.env._(
                    "These serial numbers already exist for %(product)s, or are "
                    "repeated: %(names)s",
                    product=product.display_name,
                    names=", ".join(sorted(clashes)),
                )
            )

    # Numbering ---------------------------------------------------------------

    @api.model
    def _serial_sequence(self, company, product, create=True):
        """The product's own serial sequence wins over the company's. A
        company that has none yet gets one, unless ``create`` is False."""
        sequence = (
            product.product_tmpl_id.serial_sequence_id or company.serial_sequence_id
        )
        if not sequence and create:
            company._serial_create_sequence()
            sequence = company.serial_sequence_id
        return sequence

    @api.model
    def _serial_draw_names(self, company, product, count, taken=()):
        """Draw ``count`` free names from the sequence, skipping used ones and
        the ``taken`` names of the same batch.

        Call it with the product locked (``_serial_lock_products``), so that
        no other transaction can take a drawn name before we create it.
        """
        taken = set(taken)
        # Sudo: drawing writes the sequence (and creates a date range's
        # sub-sequence on first use), which users may not; only this product's
        # or company's own sequence is drawn from.
        sequence = self._serial_sequence(company, product).sudo()
        names = []
        for _round in range(SERIAL_MAX_SEQUENCE_ROUNDS):
            drawn = sequence._serial_next_names(count - len(names))
            used = taken | self._serial_existing_names(company, product, drawn)
            names += [name for name in drawn if name not in used]
            if len(names) == count:
                return names
        raise UserError(
            self.env._(
                "Sequence %(sequence)s keeps giving serial numbers that already "
                "exist for %(product)s. Move its next number past them.",
                sequence=sequence.display_name,
                product=product.display_name,
            )
        )

    # Creation ----------------------------------------------------------------

    @api.model
    def _serial_create(self, company, plan):
        """Create the lots of a generation ``plan`` in one batch and store them
        in each plan item under ``lots``.

        The names were checked under the product lock, so the create skips
        that check; it logs no chatter message per lot.
        """
        vals_list = [
            {"name": name, "product_id": item["product"].id, "company_id": company.id}
            for item in plan
            for name in item["names"]
        ]
        lots = self.with_context(
            serial_names_checked=True, mail_create_nolog=True, tracking_disable=True
        ).create(vals_list)
        start = 0
        for item in plan:
            item["lots"] = lots[start : start + len(item["names"])]
            start += len(item["names"])
        return lots

    def action_print_serial_labels(self):
        """Odoo's lot label layout wizard, for these lots: from a document,
        from the wizard, or from the list of serials right after OK."""
        self.check_access("read")
        # The wizard prints the lots of move lines, and counts units from
        # their quantities: give it the line that brought each lot in from
        # the customer, validated or not yet.
        lines = self.env["stock.move.line"].search(
            [("lot_id", "in", self.ids), ("location_id.usage", "=", "customer")],
            order="id",
        )
        first_lines = self.env["stock.move.line"].concat(
            *(group[0] for group in lines.grouped("lot_id").values())
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Print Serial Labels"),
            "res_model": "lot.label.layout",
            "views": [(self.env.ref("stock.lot_label_layout_form_picking").id, "form")],
            "target": "new",
            "context": {"default_move_line_ids": first_lines.ids},
        }

    # Manufacturer's serial numbers ---------------------------------------------

    def action_assign_manufacturer_serials(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Assign Manufacturer Serial #"),
            "res_model": "serial.manufacturer.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"serial_lot_ids": self.ids},
        }

    @api.model
    def _serial_assign_manufacturer(self, names):
        """Rename each lot of ``names`` (lot: manufacturer's number) and keep
        its generated number as internal reference (``ref``), as Odoo means
        those fields. Same uniqueness rules as generation; all or nothing."""
        if not names:
            return
        lots = self.browse([lot.id for lot in names])
        lots.check_access("write")
        self._serial_lock_products(set(lots.product_id.ids))
        for (company, product), group in lots.grouped(
            lambda lot: (lot.company_id, lot.product_id)
        ).items():
            self._serial_check_names(
                company, product, [names[lot] for lot in group], exclude=lots
            )
        for lot in lots:
            vals = {"name": names[lot]}
            if not lot.ref:
                vals["ref"] = lot.name
            lot.with_context(serial_names_checked=True).write(vals)
