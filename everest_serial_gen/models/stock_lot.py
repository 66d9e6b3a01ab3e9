from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index, drop_index

from ..compat import ODOO_19
from .batch_memo import check_company_once, remembered_defaults
from .field_guard import check_addon_fields
from .lot_uniqueness import (
    FALLBACK_INDEX,
    LOT_UNIQUE_MESSAGE,
    LOT_UNIQUE_SQL,
    constraint_exists,
    duplicate_lot_error,
    warn_duplicate_lots,
)

# The generated serials' links to their documents: set by the addon only.
SERIAL_LINK_FIELDS = (
    "serial_account_move_ids",
    "serial_picking_ids",
    "serial_document_ref",
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

    serial_account_move_ids = fields.Many2many(
        "account.move",
        "account_move_serial_lot_rel",
        "lot_id",
        "move_id",
        string="Credit Notes",
        readonly=True,
        copy=False,
        check_company=True,
        help="The credit notes whose Generate Serial # generated, attached or "
        "retrieved this serial.",
    )
    serial_picking_ids = fields.Many2many(
        "stock.picking",
        "stock_picking_serial_lot_rel",
        "lot_id",
        "picking_id",
        string="Returns",
        readonly=True,
        copy=False,
        check_company=True,
        help="The customer returns whose Generate Serial # generated or "
        "attached this serial.",
    )
    serial_document_ref = fields.Reference(
        selection="_serial_document_selection",
        string="Generated on Document",
        readonly=True,
        copy=False,
        help="The document whose Generate Serial # created this serial.",
    )
    # Its origin, as the serial's form shows it: the document it was
    # generated on, the ones that attached or retrieved it, the customer
    # and the date it came back.
    serial_generated_move_id = fields.Many2one(
        "account.move", string="Generated On", compute="_compute_serial_origin"
    )
    serial_generated_picking_id = fields.Many2one(
        "stock.picking",
        string="Generated On Return",
        compute="_compute_serial_origin",
    )
    serial_taken_move_ids = fields.Many2many(
        "account.move",
        string="Retrieved or Attached By",
        compute="_compute_serial_origin",
    )
    serial_taken_picking_ids = fields.Many2many(
        "stock.picking",
        string="Attached By Returns",
        compute="_compute_serial_origin",
    )
    serial_origin_partner_id = fields.Many2one(
        "res.partner", string="Returned By", compute="_compute_serial_origin"
    )
    serial_origin_date = fields.Date(
        string="Returned On", compute="_compute_serial_origin"
    )

    @api.model
    def _serial_document_selection(self):
        return [
            (model._name, model._description)
            for model in self.env["serial.generate.mixin"]._serial_document_models()
        ]

    @api.depends("serial_account_move_ids", "serial_picking_ids", "serial_document_ref")
    def _compute_serial_origin(self):
        for lot in self:
            # Sudo: the customer and date show to stock users who cannot
            # read credit notes; the credit note fields themselves are for
            # invoicing users (view groups).
            sudo_lot = lot.sudo()
            generated = sudo_lot.serial_document_ref or None
            moves = sudo_lot.serial_account_move_ids
            pickings = sudo_lot.serial_picking_ids
            kind = generated._name if generated else None
            generated_move = generated if kind == "account.move" else None
            generated_picking = generated if kind == "stock.picking" else None
            lot.serial_generated_move_id = generated_move
            lot.serial_generated_picking_id = generated_picking
            lot.serial_taken_move_ids = moves - (generated_move or moves.browse())
            lot.serial_taken_picking_ids = pickings - (
                generated_picking or pickings.browse()
            )
            latest_move = moves.sorted("id")[-1:]
            latest_picking = pickings.sorted("id")[-1:]
            partner = sudo_lot.serial_customer_id
            date = fields.Date.to_date(sudo_lot.serial_generated_date)
            if not partner and latest_move:
                partner = latest_move.partner_id.commercial_partner_id
                date = latest_move.invoice_date or latest_move.date
            elif not partner and latest_picking:
                partner = latest_picking.partner_id.commercial_partner_id
                date = fields.Date.to_date(
                    latest_picking.date_done or latest_picking.scheduled_date
                )
            lot.serial_origin_partner_id = partner
            lot.serial_origin_date = date

    # Uniqueness and links --------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        return remembered_defaults(self, fields_list, super().default_get)

    def _check_company(self, fnames=None):
        return check_company_once(
            self,
            fnames,
            lambda lots, names: super(StockLot, lots)._check_company(names),
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_addon_fields(self, vals_list, SERIAL_LINK_FIELDS)
        with duplicate_lot_error(self):
            return super().create(vals_list)

    def write(self, vals):
        check_addon_fields(self, [vals], SERIAL_LINK_FIELDS)
        return super().write(vals)

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
        numbering = self.env["serial.numbering"]
        for (company, product), group in lots.grouped(
            lambda lot: (lot.company_id, lot.product_id)
        ).items():
            numbering._check_names(
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

    @api.constrains("name", "product_id", "company_id")
    def _check_unique_lot(self):
        """Odoo's check, with each (product, name) looked up on its own.

        Odoo groups ``name IN (<all names>)``, which PostgreSQL answers
        through the trigram index of ``name`` whatever other index exists:
        seconds per thousand serials once a product has tens of thousands.
        Same rule and message: unique per product within a company, and
        against lots without a company.
        """
        with duplicate_lot_error(self):
            self.flush_model(["name", "product_id", "company_id"])
        pairs = {(lot.product_id.id, lot.name) for lot in self if lot.product_id}
        if not pairs:
            return
        products, names = zip(*pairs, strict=True)
        # Uniqueness holds across companies for lots without one: read them
        # all, whatever the user's companies (as Odoo's check does in sudo).
        self.env.cr.execute(
            SQL(
                """SELECT found.company_id, checked.product_id, checked.name,
                          count(*)
                     FROM unnest(%s::int[], %s::varchar[]) AS checked(product_id, name),
                          LATERAL (SELECT company_id FROM stock_lot
                                    WHERE product_id = checked.product_id
                                      AND name = checked.name
                                    LIMIT 1000) AS found
                 GROUP BY 1, 2, 3""",
                list(products),
                list(names),
            )
        )
        rows = self.env.cr.fetchall()
        shared = {(p, n): c for company, p, n, c in rows if company is None}
        clashes = {
            (p, n)
            for company, p, n, c in rows
            if c > 1 or (company is not None and shared.get((p, n)))
        }
        if clashes:
            raise self._serial_duplicate_error(clashes)

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
