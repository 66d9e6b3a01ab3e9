from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

# Which serial a vendor's replacement replaces: written by the addon only,
# since the service history and the vendor loop rest on it.
SERIAL_VENDOR_FIELDS = ("serial_replaces_lot_id",)


class StockLot(models.Model):
    """The service-center loop on a serial: what it replaces, whether it is
    at a vendor, and every step it went through."""

    _inherit = "stock.lot"

    serial_replaces_lot_id = fields.Many2one(
        "stock.lot",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The serial that the vendor replaced with this one.",
    )
    serial_replaced_by_ids = fields.One2many(
        "stock.lot",
        "serial_replaces_lot_id",
        string="Replaced By",
        readonly=True,
    )
    serial_at_vendor = fields.Boolean(
        string="At Vendor",
        compute="_compute_serial_at_vendor",
        search="_search_serial_at_vendor",
        help="Sent to a vendor, and neither back nor replaced yet.",
    )
    serial_history_line_ids = fields.Many2many(
        "stock.move.line",
        string="Service History Moves",
        compute="_compute_serial_history",
    )
    serial_history_html = fields.Html(
        string="Service History",
        compute="_compute_serial_history",
        sanitize=False,
    )
    serial_history_count = fields.Integer(
        string="Service Steps", compute="_compute_serial_history"
    )
    serial_can_send = fields.Boolean(
        string="Can Go to a Vendor",
        compute="_compute_serial_can_send",
        help="In stock in an internal location, and neither at a vendor nor "
        "replaced: Send to Vendor applies.",
    )

    @api.model
    def _serial_guarded_fields(self):
        return (*super()._serial_guarded_fields(), *SERIAL_VENDOR_FIELDS)

    @api.model
    def _serial_origin_selection(self):
        return [
            *super()._serial_origin_selection(),
            ("replacement", self.env._("Vendor Replacement")),
        ]

    # At vendor ------------------------------------------------------------------

    @api.model
    def _serial_at_vendor_ids(self):
        """The ids of the lots whose last done move ended at a vendor: the
        same reading as ``_serial_stays("supplier")``, in one query for the
        filter At Vendor (only lots that ever went to a vendor are read)."""
        self.env["stock.move.line"].flush_model(
            ["lot_id", "state", "date", "location_dest_id"]
        )
        self.env["stock.location"].flush_model(["usage"])
        self.env.cr.execute(
            SQL(
                """SELECT sent.lot_id
                     FROM (SELECT DISTINCT line.lot_id
                             FROM stock_move_line line
                             JOIN stock_location dest ON dest.id = line.location_dest_id
                            WHERE line.state = 'done' AND line.lot_id IS NOT NULL
                              AND dest.usage = 'supplier') AS sent
                     CROSS JOIN LATERAL (
                           SELECT location_dest_id FROM stock_move_line
                            WHERE lot_id = sent.lot_id AND state = 'done'
                         ORDER BY date DESC, id DESC LIMIT 1) AS last
                     JOIN stock_location dest ON dest.id = last.location_dest_id
                    WHERE dest.usage = 'supplier'"""
            )
        )
        return [lot_id for (lot_id,) in self.env.cr.fetchall()]

    def _compute_serial_at_vendor(self):
        # The form computes it on new records too: read the stored ones.
        at_vendor = self._origin._serial_stays("supplier")
        for lot in self:
            lot.serial_at_vendor = bool(
                lot._origin in at_vendor and not lot.serial_replaced_by_ids
            )

    def _search_serial_at_vendor(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError()
        domain = [
            ("id", "in", self._serial_at_vendor_ids()),
            ("serial_replaced_by_ids", "=", False),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    # Service history ---------------------------------------------------------------

    def _serial_chain(self):
        """This serial, the ones it replaced and the ones that replace it."""
        self.ensure_one()
        chain, todo = self.browse(), self
        while todo:
            chain |= todo
            todo = (todo.serial_replaces_lot_id | todo.serial_replaced_by_ids) - chain
        return chain

    @api.depends("serial_replaces_lot_id", "serial_replaced_by_ids")
    def _compute_serial_history(self):
        for lot in self:
            if not lot.id:
                lot.serial_history_line_ids = False
                lot.serial_history_html = False
                lot.serial_history_count = 0
                continue
            lines = self.env["stock.move.line"].search(
                [("lot_id", "in", lot._serial_chain().ids), ("state", "=", "done")],
                order="date, id",
            )
            lot.serial_history_line_ids = lines
            lot.serial_history_html = lot._serial_history_render(lines)
            lot.serial_history_count = len(lines)

    def _compute_serial_can_send(self):
        # Sudo: whether a serial is in stock decides what the form offers,
        # whatever locations the user may read; only ids are kept.
        in_stock = {
            lot
            for (lot,) in self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", self._origin.ids),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ],
                ["lot_id"],
            )
        }
        for lot in self:
            lot.serial_can_send = bool(
                lot._origin in in_stock
                and not lot.serial_at_vendor
                and not lot.serial_replaced_by_ids
            )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            ours = arch.xpath("//notebook[@name='serial_notebook']")
            theirs = [
                notebook
                for notebook in arch.xpath("//sheet//notebook")
                if notebook.get("name") != "serial_notebook"
            ]
            if ours and theirs:
                # Odoo's lot form has a notebook (up to 18.0): the service
                # history is its first page, shown first when it has rows
                for page in reversed(list(ours[0])):
                    page.set("invisible", "not serial_history_count")
                    theirs[0].insert(0, page)
                ours[0].getparent().remove(ours[0])
        return arch, view

    def action_view_serial_history(self):
        """The moves of the serial's service history, with their documents."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.stock_move_line_action"
        )
        action.update(
            name=self.env._("Service History of %(serial)s", serial=self.name),
            domain=[("id", "in", self.serial_history_line_ids.ids)],
            context={"create": False},
        )
        return action

    def _serial_history_render(self, lines):
        """A table of the steps: date (the user's), step, document (a link
        where the user may read it, with the document the transfer was made
        for), serial, from, to (QWeb: serial_history_table)."""
        if not lines:
            return False
        return self.env["ir.qweb"]._render(
            "everest_serial_gen_vendor.serial_history_table",
            {
                "lines": lines,
                "format_datetime": lambda value: format_datetime(self.env, value),
            },
        )

    # Actions ---------------------------------------------------------------------

    def action_send_to_vendor(self):
        """Open Send to Vendor on these serials."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send to Vendor"),
            "res_model": "serial.send.vendor.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"serial_lot_ids": self.ids},
        }

    def action_receive_from_vendor(self):
        """Open Receive from Vendor on these serials."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receive from Vendor"),
            "res_model": "serial.vendor.receive.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"serial_lot_ids": self.ids},
        }

    @api.model
    def _serial_lots_from_context(self):
        """The serials a service wizard opens on: those its action names, or
        the records selected in a list of serials."""
        context = self.env.context
        lot_ids = context.get("serial_lot_ids")
        if lot_ids is None and context.get("active_model") == "stock.lot":
            lot_ids = context.get("active_ids")
        return self.browse(lot_ids or []).exists()
