from collections import defaultdict
from contextlib import contextmanager

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare
from odoo.tools.sql import create_index, drop_index

from ..compat import GLOBAL_LOT_SEQUENCE_XMLID, ODOO_19, PRODUCT_LOT_SEQUENCE
from ..tools.field_guard import check_addon_fields
from ..tools.lot_uniqueness import (
    CONFLICT_KEY,
    FALLBACK_INDEX,
    LOT_UNIQUE_CONSTRAINT,
    LOT_UNIQUE_MESSAGE,
    LOT_UNIQUE_SQL,
    constraint_exists,
    warn_duplicate_lots,
)
from ..tools.serial_plan import Stay

# Why a serial exists, who brought it and on which document, and the
# generations that took it: written by the addon only, since the guards and
# the service history rest on them.
SERIAL_PROVENANCE_FIELDS = (
    "serial_origin",
    "serial_customer_id",
    "serial_generated_date",
    "serial_document_ref",
    "serial_job_ids",
)


class StockLot(models.Model):
    _inherit = "stock.lot"

    # Odoo's rule for lot names (_check_unique_lot), held by PostgreSQL so
    # that two transactions cannot both commit the same lot: a second one
    # waits for the first and is refused, whatever module creates the lots.
    # Lots without a company compare with each other here; a lot without a
    # company against one with a company stays Odoo's own check in Python.
    if ODOO_19:
        _serial_lot_unique = models.Constraint(LOT_UNIQUE_SQL, LOT_UNIQUE_MESSAGE)
    else:
        _sql_constraints = [("serial_lot_unique", LOT_UNIQUE_SQL, LOT_UNIQUE_MESSAGE)]

    serial_origin = fields.Selection(
        selection="_serial_origin_selection",
        string="Generated For",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Why the addon created this serial: the item came back without a "
        "serial in Odoo, on a customer return or a credit note.",
    )
    serial_customer_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The customer whose return or credit note brought the item in.",
    )
    serial_generated_date = fields.Datetime(
        string="Generated At", readonly=True, copy=False
    )
    serial_document_ref = fields.Reference(
        selection="_serial_document_selection",
        string="Generated on Document",
        readonly=True,
        copy=False,
        help="The document whose Generate Serial # created this serial.",
    )
    serial_job_ids = fields.Many2many(
        "serial.generation.job",
        "serial_generation_job_lot_rel",
        "lot_id",
        "job_id",
        string="Documents",
        readonly=True,
        copy=False,
        help="The generations that created, attached or retrieved this serial, "
        "by the name of their document.",
    )
    # Its origin, as the serial's form shows it: the document it was
    # generated on, the ones that attached or retrieved it, the customer and
    # the date it came back.
    serial_origin_html = fields.Html(
        string="Origin", compute="_compute_serial_origin", sanitize=False
    )
    serial_origin_partner_id = fields.Many2one(
        "res.partner", string="Returned By", compute="_compute_serial_origin"
    )
    serial_origin_date = fields.Date(
        string="Returned On", compute="_compute_serial_origin"
    )

    @api.model
    def _serial_guarded_fields(self):
        """The fields of a serial that only the addon writes, in sudo."""
        return SERIAL_PROVENANCE_FIELDS

    @api.model
    def _serial_origin_selection(self):
        return [
            model._serial_origin()
            for model in self.env["serial.generate.mixin"]._serial_document_models()
        ]

    @api.model
    def _serial_document_selection(self):
        return [
            (model._name, model._description)
            for model in self.env["serial.generate.mixin"]._serial_document_models()
        ]

    @api.model
    def _serial_provenance_vals(self, document):
        """What Generate Serial # on ``document`` records on each serial."""
        return {
            "serial_origin": document._serial_origin()[0],
            "serial_customer_id": document.partner_id.commercial_partner_id.id,
            "serial_generated_date": fields.Datetime.now(),
            "serial_document_ref": f"{document._name},{document.id}",
        }

    @api.depends("serial_job_ids", "serial_document_ref", "serial_customer_id")
    def _compute_serial_origin(self):
        for lot in self:
            # Sudo: where a serial came from shows to stock users who cannot
            # read every document; only documents they may read are links.
            jobs = lot.sudo().serial_job_ids.sorted("id")
            generated = lot.sudo().serial_document_ref or None
            rows = []
            if generated:
                rows.append((self.env._("Generated on"), generated.with_env(self.env)))
            for job in jobs:
                document = job._document()
                if not document or document == generated:
                    continue
                rows.append((job._serial_verb(lot), document.with_env(self.env)))
            last = jobs[-1:]._document() if jobs else None
            partner = lot.serial_customer_id or (
                last and last.partner_id.commercial_partner_id
            )
            date = lot.serial_generated_date or (
                jobs[-1:].create_date if jobs else False
            )
            lot.serial_origin_partner_id = partner or False
            # the day in the user's time zone, not UTC's
            lot.serial_origin_date = (
                fields.Date.context_today(lot, date) if date else False
            )
            lot.serial_origin_html = (
                self.env["ir.qweb"]._render(
                    "everest_serial_gen.serial_origin_table", {"rows": rows}
                )
                if rows
                else False
            )

    # Where a unit is ---------------------------------------------------------

    def _serial_stays(self, usage):
        """{lot: Stay}: the lots of these that are now in a location of
        ``usage`` ("customer", "supplier"), and how many units, as their done
        move lines tell it.

        A serial is there when its last done move line ended there: a
        package or an owner does not make a second unit, and a unit that
        went out and came back again (sold, credited, resold) is where its
        last move put it. A lot holds, in each such location, what came in
        less what left, never below nothing: a receipt of units nobody
        recorded going there takes nothing from there.
        """
        # Sudo: where a unit is decides what may come back, whatever
        # transfers the user may read; only the lots' stays are returned.
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search_fetch(
                [("lot_id", "in", self.ids), ("state", "=", "done")],
                [
                    "lot_id",
                    "location_id",
                    "location_dest_id",
                    "result_package_id",
                    "owner_id",
                    "quantity_product_uom",
                ],
                order="date, id",
            )
        )
        stays = {}
        by_lot = lines.grouped("lot_id")
        as_user = _AsUser(self.env)
        for lot, lot_lines in by_lot.items():
            stay = (
                _serial_stay(lot, lot_lines, usage)
                if lot.product_id.tracking == "serial"
                else _lot_stay(lot, lot_lines, usage)
            )
            if stay:
                stay = Stay(*(as_user(value) for value in stay))
                stays[stay.lot] = stay
        # a lot that no move ever moved is where its quants are: stock
        # imported from an earlier system, counted at the customer
        unmoved = self.filtered(lambda lot: lot not in by_lot)
        if unmoved:
            stays.update(unmoved._serial_quant_stays(usage))
        return stays

    def _serial_quant_stays(self, usage):
        """{lot: Stay} of these lots, which no move ever moved, from their
        positive quants in locations of ``usage``."""
        # Sudo: see _serial_stays.
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", self.ids),
                    ("location_id.usage", "=", usage),
                    ("quantity", ">", 0),
                ]
            )
        )
        stays = {}
        for lot, lot_quants in quants.grouped("lot_id").items():
            quant = lot_quants.sorted("quantity")[-1]
            stays[lot.sudo(False)] = Stay(
                lot.sudo(False),
                quant.location_id.sudo(False),
                quant.package_id.sudo(False),
                quant.owner_id.sudo(False),
                sum(lot_quants.mapped("quantity")),
                self.env["stock.move.line"],
            )
        return stays

    # Uniqueness and links --------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(self._serial_guarded_fields()).intersection(vals) for vals in vals_list
        ):
            check_addon_fields(self, vals_list, self._serial_guarded_fields())
        with self._serial_refusing_duplicates():
            return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(self._serial_guarded_fields()).intersection(vals):
            check_addon_fields(self, [vals], self._serial_guarded_fields())
        return super().write(vals)

    def _serial_log_each(self, bodies):
        """Log on each of these serials its body of ``bodies`` ({lot id:
        body}), notifying nobody: Odoo's ``_message_log_batch``, one message
        per serial. Returns the messages. (The speed layer writes the
        messages that share a body as copies of the first.)"""
        return self._message_log_batch(bodies=bodies)

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

    def action_print_result_labels(self):
        """Print Labels of the list of new serials after OK: the selected
        ones, or, with none selected, the whole list."""
        lots = self
        if not lots and self.env.context.get("active_domain"):
            lots = self.search(self.env.context["active_domain"])
        if not lots:
            raise UserError(self.env._("Select the serial numbers to print."))
        return lots.action_print_serial_labels()

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
            lot.write(vals)

    # Indexes -----------------------------------------------------------------

    def init(self):
        res = super().init()
        # Name checks per product (the addon's, and _check_unique_lot below)
        # compare whole names: a btree answers each in a few index reads
        # whatever the number of lots, where the trigram index of `name`
        # reads most lots of the product. The btree of the uniqueness
        # constraint does it; a database whose duplicate lots keep the
        # constraint out gets a btree of its own meanwhile.
        if constraint_exists(self.env.cr):
            drop_index(self.env.cr, FALLBACK_INDEX, self._table)
        else:
            warn_duplicate_lots(self.env.cr)
            create_index(
                self.env.cr, FALLBACK_INDEX, self._table, ["product_id", "name"]
            )
        return res

    @api.model
    def _serial_taken_names(self, company, product, names, exclude=None):
        """Which of ``names`` lots of ``product`` have, in ``company`` or
        without a company (any, when ``company`` is empty), but ``exclude``."""
        domain = [("product_id", "=", product.id), ("name", "in", list(names))]
        if company:
            domain.append(("company_id", "in", [company.id, False]))
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        # Sudo: a name is taken whatever lots the user may read.
        return set(self.sudo().search(domain).mapped("name"))

    @contextmanager
    def _serial_refusing_duplicates(self):
        """Create or rename lots inside: PostgreSQL's refusal of a duplicate
        name (tools/lot_uniqueness.py) comes out as Odoo's own error for it
        (``_check_unique_lot``), naming the product and the serial, and
        nothing inside is kept."""
        try:
            with self.env.cr.savepoint():
                yield
        except errors.ExclusionViolation as error:
            if error.diag.constraint_name != LOT_UNIQUE_CONSTRAINT:
                raise
            match = CONFLICT_KEY.search(error.diag.message_detail or "")
            pairs = [(int(match["product"]), match["name"])] if match else []
            raise self._serial_duplicate_error(pairs) from None

    @api.model
    def _serial_duplicate_error(self, pairs):
        """Odoo's own error for duplicate lots: ``pairs`` (product id, name)."""
        Product = self.env["product.product"].sudo()
        return ValidationError(
            self.env._(
                "The combination of lot/serial number and product must be "
                "unique within a company including when no company is "
                "defined.\nThe following combinations contain "
                "duplicates:\n%(error_lines)s",
                error_lines="\n".join(
                    self.env._(
                        " - Product: %(product)s, Lot/Serial Number: %(lot)s",
                        product=Product.browse(p).display_name,
                        lot=n,
                    )
                    for p, n in sorted(pairs)
                ),
            )
        )

    @api.model
    def _serial_create_lots(self, vals_list):
        """Create the new lots of a generation, which differ only by name."""
        with self._serial_refusing_duplicates():
            return self.create(vals_list)

    # Names of new serials ------------------------------------------------------
    # Which sequence applies, drawing and previewing names, and whether names
    # are free. Two transactions that create the same name anyway are told
    # apart by PostgreSQL (tools/lot_uniqueness.py).

    @api.model
    def _serial_sequence(self, company, product, create=True):
        """The product's own serial sequence (``_product_sequence``)
        wins over the company's. A company that has none yet gets one,
        unless ``create`` is False."""
        sequence = self._serial_product_sequence(product) or company.serial_sequence_id
        if not sequence and create:
            company._serial_create_sequences()
            sequence = company.serial_sequence_id
        return sequence

    @api.model
    def _serial_product_sequence(self, product):
        """The sequence a product sets for its serials, or an empty
        recordset: core's lot_sequence_id when it is not the global default
        (19.0), else the addon's serial_sequence_id (18.0; compat.py)."""
        template = product.product_tmpl_id
        if not PRODUCT_LOT_SEQUENCE:
            return template.serial_sequence_id
        sequence = template.lot_sequence_id
        if sequence == self.env.ref(
            GLOBAL_LOT_SEQUENCE_XMLID, raise_if_not_found=False
        ):
            return sequence.browse()
        return sequence

    @api.model
    def _serial_next_names(self, sequence, count):
        """Draw ``count`` names at once, formatted as ``_next`` would."""
        if count <= 0:
            return []
        if sequence.use_date_range:
            # each date range has its own sub-sequence: draw one by one
            return [sequence._next() for _i in range(count)]
        if sequence.implementation == "standard":
            self.env.cr.execute(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    f"ir_sequence_{sequence.id:03d}",
                    count,
                )
            )
            numbers = [number for (number,) in self.env.cr.fetchall()]
        else:
            # "no gap": the row lock makes concurrent drawers wait, as in _next
            step = sequence.number_increment
            self.env.cr.execute(
                SQL(
                    """UPDATE ir_sequence SET number_next = number_next + %(span)s
                        WHERE id = %(id)s RETURNING number_next - %(span)s""",
                    span=step * count,
                    id=sequence.id,
                )
            )
            first = self.env.cr.fetchone()[0]
            numbers = [first + i * step for i in range(count)]
        sequence.invalidate_recordset(["number_next", "number_next_actual"])
        return self._serial_format_names(sequence, numbers)

    @api.model
    def _serial_preview(self, sequence, count, offset=0):
        """The first and the last name of the next ``count`` after ``offset``
        more, without drawing them."""
        if count <= 0 or not sequence:
            return False, False
        step = sequence.number_increment
        first = sequence.number_next_actual + offset * step
        first_name, last_name = self._serial_format_names(
            sequence, [first, first + (count - 1) * step]
        )
        return first_name, last_name

    @api.model
    def _serial_format_names(self, sequence, numbers):
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]

    @api.model
    def _serial_first_names(self, first, count):
        """``count`` names from ``first``, as Odoo's Generate Serials numbers
        them: the last group of digits increments and keeps its padding."""
        return [
            vals["lot_name"]
            for vals in self.env["stock.lot"].generate_lot_names(first.strip(), count)
        ]

    @api.model
    def _serial_queued_names(self, products, exclude_job=None):
        """{product: names typed for queued background generations of
        ``products`` and not created yet}, but ``exclude_job``'s."""
        # Sudo: the names other users typed are reserved for them whatever
        # the user may read; only the names are used.
        domain = [
            ("job_id.state", "=", "queued"),
            ("kind", "=", "generate"),
            ("names", "!=", False),
            ("product_id", "in", products.ids),
        ]
        if exclude_job:
            domain.append(("job_id", "!=", exclude_job.id))
        queued = defaultdict(list)
        for line in self.env["serial.generation.job.line"].sudo().search(domain):
            queued[line.product_id.sudo(False)] += line.names.split("\n")[
                line.done_count : line.count
            ]
        return queued

    @api.model
    def _serial_check_names_free(self, document, lines, running_job=None):
        """The names typed on OK are free: no lot has them, and no queued
        background generation (but ``running_job``) reserved them. Refuse
        them all in one error, before anything is created or queued."""
        company = document.company_id
        typed = defaultdict(list)
        for line in lines:
            typed[line.product] += line.names or []
        typed = {product: names for product, names in typed.items() if names}
        if not typed:
            return
        products = self.env["product.product"].concat(*typed)
        queued = self._serial_queued_names(products, exclude_job=running_job)
        for product, names in typed.items():
            reserved = sorted(set(names) & set(queued.get(product, ())))
            if reserved:
                raise ValidationError(
                    self.env._(
                        "These serial numbers of %(product)s are reserved for a "
                        "background generation still running: %(names)s",
                        product=product.display_name,
                        names=", ".join(reserved),
                    )
                )
            self._serial_check_names(
                self._serial_lot_company(company, product), product, names
            )

    @api.model
    def _serial_lot_company(self, company, product):
        """The company of a new lot of ``product`` made in ``company``, as
        Odoo's receipts give it (``stock.move.line._prepare_new_lot_vals``):
        the product's company, or ``company`` when it belongs to it; none
        for a product shared between companies. Names are unique within it,
        and a lot without a company against every company."""
        owner = product.company_id
        if owner and company in (owner.all_child_ids | owner):
            return company
        return owner

    # Naming a plan ---------------------------------------------------------

    @api.model
    def _serial_name_plan(self, company, lines):
        """The names of the new lots of each plan line, in order: the typed
        ones as they are (``_check_names_free`` checked them), the others
        drawn from the sequence, skipping the typed ones of the same product
        too, and the names typed for background generations that are still
        queued (theirs from the moment their OK was pressed)."""
        typed = defaultdict(list)
        for line in lines:
            typed[line.product] += line.names or []
        products = self.env["product.product"].concat(*(line.product for line in lines))
        for product, names in self._serial_queued_names(products).items():
            typed[product] += names
        named = []
        for line in lines:
            names = line.names
            if names is None:
                names = tuple(
                    self._serial_draw_names(
                        company, line.product, line.count, taken=typed[line.product]
                    )
                )
                typed[line.product] += names
            named.append(names or ())
        return named

    @api.model
    def _serial_draw_names(self, company, product, count, taken=()):
        """Draw ``count`` free names from the sequence, skipping used ones and
        the ``taken`` names of the same batch.

        When a draw meets names in use (serials from the old ERP, or from
        before a reinstall), the sequence moves past the highest number in
        use for the product, found in one query, whatever the gap. A name
        that another transaction takes before we create it is refused by
        PostgreSQL (lot_uniqueness.py).
        """
        taken = set(taken)
        # Sudo: drawing writes the sequence (and creates a date range's
        # sub-sequence on first use), which users may not; only this product's
        # or company's own sequence is drawn from.
        sequence = self._serial_sequence(company, product).sudo()
        names, jumped = [], False
        while len(names) < count:
            drawn = self._serial_next_names(sequence, count - len(names))
            used = taken | self._serial_existing_names(
                self._serial_lot_company(company, product), product, drawn
            )
            names += [name for name in drawn if name not in used]
            if len(names) < count:
                if jumped:
                    raise UserError(
                        self.env._(
                            "Sequence %(sequence)s gives serial numbers that are "
                            "already typed or used for %(product)s.",
                            sequence=sequence.display_name,
                            product=product.display_name,
                        )
                    )
                self._serial_skip_used_numbers(
                    sequence, self._serial_lot_company(company, product), product, taken
                )
                jumped = True
        return names

    @api.model
    def _serial_skip_used_numbers(self, sequence, company, product, taken=()):
        """Move ``sequence`` past the highest number in use for ``product``,
        among its lots of ``company`` (all of them when none) and the
        ``taken`` names, in its current format."""
        prefix, suffix = sequence._get_prefix_suffix()
        self.env.cr.execute(
            SQL(
                """SELECT max(substr(name, length(%(prefix)s) + 1,
                                   length(name) - length(%(prefix)s)
                                   - length(%(suffix)s))::numeric)
                     FROM (SELECT name FROM stock_lot
                            WHERE product_id = %(product)s
                              AND (%(company)s IS NULL OR company_id = %(company)s
                                   OR company_id IS NULL)
                           UNION ALL SELECT unnest(%(taken)s::varchar[])) AS names
                    WHERE starts_with(name, %(prefix)s)
                      AND right(name, length(%(suffix)s)) = %(suffix)s
                      AND substr(name, length(%(prefix)s) + 1,
                                 length(name) - length(%(prefix)s)
                                 - length(%(suffix)s)) ~ '^[0-9]+$'""",
                prefix=prefix,
                suffix=suffix,
                product=product.id,
                company=company.id or None,
                taken=list(taken),
            )
        )
        highest = self.env.cr.fetchone()[0]
        if highest is None:
            return
        target = sequence
        if sequence.use_date_range:
            target = sequence._get_current_sequence()
        target.invalidate_recordset(["number_next_actual"])
        if target.number_next_actual <= highest:
            target.write({"number_next": int(highest) + 1})
            target.invalidate_recordset(["number_next_actual"])

    @api.model
    def _serial_existing_names(self, company, product, names, exclude=None):
        """Return which of ``names`` already exist for ``product`` in
        ``company`` or without a company (``stock.lot._serial_taken_names``)."""
        if not names:
            return set()
        return self._serial_taken_names(company, product, names, exclude)

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


class _AsUser:
    """Records read with sudo, given back in the user's environment; the
    few locations, packages and owners of many stays switched once each."""

    def __init__(self, env):
        self.env = env(su=False)
        self.seen = {}

    def __call__(self, value):
        if not isinstance(value, models.BaseModel):
            return value
        key = (value._name, value._ids)
        if key not in self.seen:
            self.seen[key] = value.with_env(self.env)
        return self.seen[key]


def _serial_stay(lot, lines, usage):
    """The stay of a serial: where its last done line put it, if that is a
    location of ``usage``."""
    last = lines[-1]
    if last.location_dest_id.usage != usage:
        return None
    return Stay(
        lot,
        last.location_dest_id,
        last.result_package_id,
        last.owner_id,
        1.0,
        last,
    )


def _lot_stay(lot, lines, usage):
    """The stay of a lot: per location of ``usage``, the units that came in
    less those that left, never below nothing; where most of them are."""
    units, last_in = {}, {}
    for line in lines:
        quantity = line.quantity_product_uom
        if line.location_id.usage == usage:
            left = units.get(line.location_id, 0.0) - quantity
            units[line.location_id] = max(left, 0.0)
        if line.location_dest_id.usage == usage:
            units[line.location_dest_id] = (
                units.get(line.location_dest_id, 0.0) + quantity
            )
            last_in[line.location_dest_id] = line
    rounding = lot.product_id.uom_id.rounding
    held = {
        location: quantity
        for location, quantity in units.items()
        if float_compare(quantity, 0, precision_rounding=rounding) > 0
    }
    if not held:
        return None
    location = max(held, key=held.get)
    line = last_in[location]
    return Stay(
        lot,
        location,
        line.result_package_id,
        line.owner_id,
        sum(held.values()),
        line,
    )
