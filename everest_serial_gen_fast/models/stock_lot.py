from odoo import api, models
from odoo.tools import SQL

from odoo.addons.everest_serial_gen.tools.serial_plan import Stay

from ..tools.batch import (
    CORE,
    FAST,
    copies_supported,
    create_as_copies,
    insert_copies,
)

# stock: _check_create and the no-subscribe context; stock_account: the
# standard price of lots valued one by one (in the copied row too); mail:
# followers and the creation message, which the caller's context turns off;
# the core's guard of its own fields.
KNOWN_CREATE_OVERRIDES = {"stock", "stock_account", "mail", CORE, FAST}
# mail: a logged message's create() (images out of the body, attachments and
# tracking values, none in a serial's log), and its documents' caches
KNOWN_MESSAGE_OVERRIDES = {"mail"}


class StockLot(models.Model):
    _inherit = "stock.lot"

    @api.model
    def _serial_create_lots(self, vals_list):
        """The lots of a generation, as copies of the first one's row
        (tools/batch.py): ``create()``'s result at a fraction of its cost,
        for new lots that differ only by name."""
        if (
            len(vals_list) < 2
            or not self.env["stock.move.line"]._serial_fast_path(len(vals_list))
            or not self._serial_batch_supported(vals_list)
        ):
            return super()._serial_create_lots(vals_list)
        with self._serial_refusing_duplicates():
            return create_as_copies(self, vals_list, "name")

    def _serial_batch_supported(self, vals_list):
        return all("product_id" in vals for vals in vals_list) and copies_supported(
            self, vals_list, "name", KNOWN_CREATE_OVERRIDES
        )

    def _serial_log_each(self, bodies):
        """The messages that share a body as copies of the first one's row
        (tools/batch.py): Odoo's ``_message_log_batch`` writes the first of
        each body, through every override of mail.message's create(); the
        others would differ from it only by their serial, since Odoo's
        batch gives all its messages one author, subtype, date and message
        id."""
        Message = self.env["mail.message"]
        if not self.env["stock.move.line"]._serial_fast_path(
            len(self)
        ) or not copies_supported(Message, [], "res_id", KNOWN_MESSAGE_OVERRIDES):
            return super()._serial_log_each(bodies)
        lot_ids = {}
        for lot_id in self.ids:
            # a serial without a body gets an empty message, as in Odoo's batch
            lot_ids.setdefault(bodies.get(lot_id, ""), []).append(lot_id)
        firsts = {ids[0]: body for body, ids in lot_ids.items()}
        messages = super(StockLot, self.browse(list(firsts)))._serial_log_each(firsts)
        copies = messages.concat(
            *(
                insert_copies(message, "res_id", ids[1:])
                for message, ids in zip(messages, lot_ids.values(), strict=True)
            )
        )
        # what mail.message's create() does for each message it logs
        copies._invalidate_documents()
        return messages | copies

    @api.model
    def _serial_taken_names(self, company, product, names, exclude=None):
        if not self.env["stock.move.line"]._serial_fast_path(len(names)):
            return super()._serial_taken_names(company, product, names, exclude)
        # One lookup per name (LIMIT 1 keeps the subquery a lateral loop), so
        # that PostgreSQL uses the btree on (product_id, name) of stock.lot's
        # init(): for name = ANY(<many names>) it picks the trigram index of
        # `name`, whose real cost grows with the product's lots (17 s at
        # 66,000).
        query = SQL(
            """SELECT found.name FROM unnest(%(names)s::varchar[]) AS checked(name),
                 LATERAL (SELECT name FROM stock_lot
                           WHERE product_id = %(product)s
                             AND name = checked.name
                             AND (%(company)s IS NULL OR company_id = %(company)s
                                  OR company_id IS NULL)
                             AND id != ALL(%(exclude)s)
                           LIMIT 1) AS found""",
            product=product.id,
            names=list(names),
            company=company.id or None,
            exclude=list(exclude.ids if exclude else []),
        )
        self.env.flush_all()
        self.env.cr.execute(query)
        return {name for (name,) in self.env.cr.fetchall()}

    def _serial_stays(self, usage):
        """The core's stays, with the serials' read in one query: the last
        done line of each serial, where the core reads every done line of
        every serial and keeps the last. Lots tracked by lot, and serials no
        move ever moved, go the core's way."""
        serials = self.filtered(lambda lot: lot.product_id.tracking == "serial")
        if not self.env["stock.move.line"]._serial_fast_path(len(serials)):
            return super()._serial_stays(usage)
        Line = self.env["stock.move.line"]
        Line.flush_model(
            [
                "lot_id",
                "state",
                "date",
                "location_dest_id",
                "result_package_id",
                "owner_id",
            ]
        )
        self.env["stock.location"].flush_model(["usage"])
        # Sudo's view, as the core's: every done line of the serials, whatever
        # transfers the user may read; only the serials' stays are returned.
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (line.lot_id)
                          line.lot_id, line.id, line.location_dest_id,
                          line.result_package_id, line.owner_id,
                          location.usage = %(usage)s
                     FROM stock_move_line line
                     JOIN stock_location location
                       ON location.id = line.location_dest_id
                    WHERE line.lot_id = ANY(%(lots)s) AND line.state = 'done'
                 ORDER BY line.lot_id, line.date DESC, line.id DESC""",
                usage=usage,
                lots=serials.ids,
            )
        )
        rows = self.env.cr.fetchall()
        env = self.env(su=False)
        there = [row for row in rows if row[5]]

        def records(model, ids):
            """{id: record} of ``ids``, read together when one is read."""
            return {record.id: record for record in env[model].browse(set(ids))}

        lots = records("stock.lot", (row[0] for row in there))
        lines = records("stock.move.line", (row[1] for row in there))
        locations = records("stock.location", (row[2] for row in there))
        package_model = Line._fields["result_package_id"].comodel_name
        packages = records(package_model, (row[3] for row in there if row[3]))
        owners = records("res.partner", (row[4] for row in there if row[4]))
        stays = {}
        for lot_id, line_id, location_id, package_id, owner_id, _there in there:
            lot = lots[lot_id]
            stays[lot] = Stay(
                lot,
                locations[location_id],
                packages.get(package_id, env[package_model]),
                owners.get(owner_id, env["res.partner"]),
                1.0,
                lines[line_id],
            )
        moved = {row[0] for row in rows}
        others = self - serials.filtered(lambda lot: lot.id in moved)
        if others:
            stays.update(super(StockLot, others)._serial_stays(usage))
        return stays

    @api.constrains("name", "product_id", "company_id")
    def _check_unique_lot(self):
        """Odoo's check, with each (product, name) looked up on its own.

        Odoo groups ``name IN (<all names>)``, which PostgreSQL answers
        through the trigram index of ``name`` whatever other index exists:
        seconds per thousand serials once a product has tens of thousands.
        Same rule and message: unique per product within a company, and
        against lots without a company. Switched off, or for fewer lots than
        the speed layer takes, Odoo's own check.
        """
        if not self.env["stock.move.line"]._serial_fast_path(len(self)):
            return super()._check_unique_lot()
        with self._serial_refusing_duplicates():
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
