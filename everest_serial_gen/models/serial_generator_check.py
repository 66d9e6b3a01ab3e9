import math
from collections import Counter, defaultdict

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, float_round, formatLang


class SerialGeneratorCheck(models.AbstractModel):
    """What ``serial.generator`` checks before it creates anything.

    RPC callers choose the ids, the context and the values, so every entry
    point re-checks the document and the plan against the database, whoever
    built them (the wizard, a background job).
    """

    _name = "serial.generator.check"
    _description = "Serial Number Generation Checks"

    @api.model
    def _check_generatable(self, document, running_job=None):
        """Raise unless the current user may generate serials on ``document``.

        ``running_job`` is the background job that checks before its chunk.
        """
        self._check_access(document)
        error = document._serial_document_error()
        if error:
            raise UserError(error)
        if document._serial_running_jobs() - (
            running_job or self.env["serial.generation.job"]
        ):
            raise UserError(
                self.env._(
                    "Serial numbers of %(document)s are being generated in the "
                    "background. Wait until it is done.",
                    document=document.display_name,
                )
            )
        if not document._serial_source_lines():
            raise UserError(
                self.env._(
                    "%(document)s has no line of a storable product tracked by "
                    "serial or lot number to generate serials for.",
                    document=document.display_name,
                )
            )

    @api.model
    def _check_access(self, document):
        """Generating or reversing needs Inventory / User rights, read access
        to the document, and the document's company among the user's."""
        document.ensure_one()
        if not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(
                self.env._(
                    "Generating serial numbers creates stock: it needs the "
                    "Inventory / User access right."
                )
            )
        document.check_access("read")
        if document.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot generate serial numbers for company %(company)s.",
                    company=document.company_id.display_name,
                )
            )

    @api.model
    def _check_location(self, document, location):
        """The destination must be an internal location of the document's company."""
        if not location:
            raise UserError(
                self.env._(
                    "No location is configured to receive the generated serials "
                    "of %(company)s. Set it in Inventory > Configuration > "
                    "Settings, under Serial Number Generation.",
                    company=document.company_id.display_name,
                )
            )
        location = location.sudo()  # to read the company of a foreign id too
        if (
            location.usage != "internal"
            or location.company_id != document.company_id
            or not location.active
        ):
            raise UserError(
                self.env._(
                    "%(location)s cannot receive serials of %(document)s: it must "
                    "be an active internal location of %(company)s.",
                    location=location.display_name,
                    document=document.display_name,
                    company=document.company_id.display_name,
                )
            )

    @api.model
    def _check_plan(self, document, lines):
        """Check the plan ``lines`` against ``document``, from the database;
        return the lines that create lots.

        The lines must be the document's, their products still storable and
        tracked, a serial must hold one unit, and no line may get more than
        what is still without serials.
        """
        requested = defaultdict(float)
        for line in lines:
            self._check_plan_line(document, line)
            requested[line.source] += line.quantity + line.known_quantity
        self._check_each_unit_once(lines)
        for source, quantity in requested.items():
            total, serialized = source._serial_quantities(document)
            remaining = total - serialized
            if (
                float_compare(
                    quantity,
                    remaining,
                    precision_rounding=source.product_id.uom_id.rounding,
                )
                > 0
            ):
                uom = source.product_id.uom_id
                raise UserError(
                    self.env._(
                        "%(product)s: %(requested)s to generate, but only "
                        "%(remaining)s of %(total)s are still without serial numbers.",
                        product=source.product_id.display_name,
                        requested=self._format_quantity(quantity, uom),
                        remaining=self._format_quantity(
                            max(remaining, 0.0), uom, False
                        ),
                        total=self._format_quantity(total, uom),
                    )
                )
        lines = tuple(line for line in lines if not line.is_empty)
        if not lines:
            if not document._serial_has_remaining():
                raise UserError(self._nothing_left_message(document))
            raise UserError(
                self.env._(
                    "Nothing to generate: set a quantity To Generate on at least "
                    "one line of %(document)s.",
                    document=document.display_name,
                )
            )
        return lines

    @api.model
    def _check_each_unit_once(self, lines):
        """A unit comes in once: refuse, naming it, a serial that two lines
        of the plan attach or retrieve, a return line two lines retrieve,
        or more units of a lot than the customers hold."""
        counts = Counter()
        lot_units = defaultdict(float)
        for line in lines:
            for lot in line.attached or ():
                if lot.product_id.tracking == "serial":
                    counts[lot] += 1
                else:
                    lot_units[lot] += line.attached_quantities[lot]
            for returned in line.retrieved or ():
                counts[
                    returned.lot_id
                    if returned.lot_id.product_id.tracking == "serial"
                    else returned
                ] += 1
        twice = [key for key, count in counts.items() if count > 1]
        names = [
            key.name if key._name == "stock.lot" else key.lot_id.name for key in twice
        ]
        if lot_units:
            at_customers = self.env["serial.attach"]._customer_quantities(
                self.env["stock.lot"].concat(*lot_units)
            )
            names += [
                lot.name
                for lot, units in lot_units.items()
                if float_compare(
                    units,
                    at_customers.get(lot, 0.0),
                    precision_rounding=lot.product_id.uom_id.rounding,
                )
                > 0
            ]
        if names:
            raise UserError(
                self.env._(
                    "%(serials)s would come in twice: each unit is received "
                    "once, on one line. Remove it from the other lines.",
                    serials=names[0],
                )
                if len(names) == 1
                else self.env._(
                    "%(serials)s would come in twice: each unit is received "
                    "once, on one line. Remove them from the other lines.",
                    serials=", ".join(names),
                )
            )

    @api.model
    def _nothing_left_message(self, document):
        return self.env._(
            "Nothing is left to generate on %(document)s: every line already has "
            "its serial numbers.",
            document=document.display_name,
        )

    @api.model
    def _format_quantity(self, quantity, uom, with_unit=True):
        """``quantity`` as users read it: "4 Units", "2.5 kg"; with as many
        decimals as it needs, at most the unit's."""
        rounding = uom.rounding or 1.0
        digits = max(0, -math.floor(math.log10(rounding))) if rounding < 1 else 0
        quantity = float_round(quantity, precision_rounding=rounding)
        shown = next(
            places
            for places in range(digits + 1)
            if float_is_zero(quantity - round(quantity, places), precision_digits=6)
            or places == digits
        )
        text = formatLang(self.env, quantity, digits=shown)
        return f"{text} {uom.name}" if with_unit else text

    @api.model
    def _check_plan_line(self, document, line):
        """One plan line: its source, the quantity of each lot, its known
        serials on no other credit note, as many names as lots."""
        self._check_plan_source(document, line)
        product = line.product
        rounding = product.uom_id.rounding
        if line.count and (
            float_compare(line.lot_quantity, 0, precision_rounding=rounding) <= 0
            or (product.tracking == "serial" and line.lot_quantity != 1)
        ):
            raise UserError(
                self.env._(
                    "A serial of %(product)s holds one unit, a lot a positive "
                    "quantity.",
                    product=product.display_name,
                )
            )
        known = (line.attached or self.env["stock.lot"]) | (
            line.retrieved.lot_id if line.retrieved else self.env["stock.lot"]
        )
        document._serial_check_credited(known)
        if line.names is not None and len(line.names) != line.count:
            raise UserError(
                self.env._(
                    "%(count)s names are given for %(lots)s lots of %(product)s.",
                    count=len(line.names),
                    lots=line.count,
                    product=product.display_name,
                )
            )

    @api.model
    def _check_plan_source(self, document, line):
        """The line's source is still one of ``document``'s lines that
        Generate Serial # applies to, for the line's product."""
        source, product = line.source, line.product
        if not source or source not in document[document._serial_lines_field]:
            raise UserError(
                self.env._(
                    "A line to generate does not belong to %(document)s. Open "
                    "Generate Serial # again from the document.",
                    document=document.display_name,
                )
            )
        if (
            source.product_id != product
            or not product.is_storable
            or product.tracking not in ("serial", "lot")
        ):
            raise UserError(
                self.env._(
                    "%(product)s is no longer a storable product tracked by "
                    "serial or lot number: no serials can be generated for it.",
                    product=source.product_id.display_name,
                )
            )
        if not source._serial_is_eligible(document):
            raise UserError(
                self.env._(
                    "The line of %(product)s does not take returned goods: no "
                    "serials can be generated for it.",
                    product=product.display_name,
                )
            )

    @api.model
    def _check_typed_names(self, product, count, names):
        """The names typed for ``count`` lots of ``product`` fit them."""
        if not names:
            return
        if product.tracking == "serial" and len(names) != count:
            raise UserError(
                self.env._(
                    "%(count)s serial numbers are typed for %(product)s, but its "
                    "quantity to generate is %(quantity)s.",
                    count=len(names),
                    product=product.display_name,
                    quantity=count,
                )
            )
        if product.tracking == "lot" and len(names) > 1:
            raise UserError(
                self.env._(
                    "%(product)s is tracked by lot: it gets one lot, so type one lot "
                    "number for it, not %(count)s.",
                    product=product.display_name,
                    count=len(names),
                )
            )
