from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round
from odoo.tools.misc import clean_context

from .batch_memo import batch_memo
from .serial_plan import PlanLine
from .sql_tools import link_many2many, lock_rows

# How long a background chunk waits for a document that a user's
# transaction holds, before it lets the next job run.
JOB_LOCK_TIMEOUT = "5s"


class SerialGenerator(models.AbstractModel):
    """The one home of Generate Serial #.

    ``submit`` is what OK does: check once, then generate now or leave it to
    the background runner. ``generate`` checks, locks the document, names and
    creates the serials, links them, logs, and lets the document receive
    the goods (``_serial_receive``); the background job calls it chunk by
    chunk. What differs between documents lives in their hooks
    (``serial.generate.mixin``); the checks of the user's input live in
    ``serial.generator.check``.
    """

    _name = "serial.generator"
    _description = "Serial Number Generation"

    @api.model
    def submit(self, document, lines, location, validate=True):
        """Generate ``lines`` into ``location``, in one transaction, or queue
        them when they are more than the company's batch size.

        Returns ``(lots, job)``: the new lots, or the queued job.
        """
        document, lines = self._prepare(document, lines, location)
        if sum(line.count for line in lines) > document.company_id.serial_batch_size:
            job = self._queue(document, lines, location, validate)
            return self.env["stock.lot"], job
        lots = self._generate(document, lines, location, validate)
        return lots, self.env["serial.generation.job"]

    @api.model
    def generate(
        self, document, lines, location, validate=True, running_job=None, reserved=None
    ):
        """Generate ``lines`` now; ``running_job`` is the background job that
        asks for one of its chunks, ``reserved`` the names per product that
        its later chunks will create."""
        document, lines = self._prepare(document, lines, location, running_job)
        return self._generate(document, lines, location, validate, reserved)

    @api.model
    def _prepare(self, document, lines, location, running_job=None):
        """Check everything once, with the document locked, so that the
        quantities left to generate cannot change until we commit. Returns
        the document in its company, and the lines that create lots."""
        check = self.env["serial.generator.check"]
        check._check_generatable(document, running_job)
        # The runner must not wait long on a document a user is working on:
        # past the timeout, the chunk is retried later (serial.generation.job).
        lock_rows(document, timeout=JOB_LOCK_TIMEOUT if running_job else None)
        # Known serials are checked against other documents: one at a time.
        self.env["serial.numbering"]._lock_products(
            {line.product.id for line in lines if line.attached or line.retrieved}
        )
        check._check_location(document, location)
        lines = check._check_plan(document, lines)
        return document.with_company(document.company_id), lines

    @api.model
    def _generate(self, document, lines, location, validate, reserved=None):
        with batch_memo():
            return self._generate_batch(document, lines, location, validate, reserved)

    @api.model
    def _generate_batch(self, document, lines, location, validate, reserved):
        # Drop the default_* keys of the wizard's action: they would leak into
        # every record created below.
        env = document.env(context=clean_context(self.env.context))
        document = document.with_env(env)
        company = document.company_id
        lines = env["serial.numbering"]._name_plan(company, lines, reserved)
        lines = env["serial.generator"]._create_lots(company, lines, document)
        lots = env["stock.lot"].concat(*(line.lots for line in lines))
        known = env["stock.lot"].concat(
            *(line.attached for line in lines if line.attached),
            *(line.retrieved.lot_id for line in lines if line.retrieved),
        )
        link_many2many(document, "serial_lot_ids", (lots | known).ids)
        env["serial.generator"]._log_generation(document, lots, location, known)
        document._serial_receive(lines, location, validate)
        document._serial_retrieve(tuple(line for line in lines if line.retrieved))
        return lots | known

    @api.model
    def _create_lots(self, company, lines, document=None):
        """Create the lots of named ``lines`` in one batch; return the lines
        with their lots.

        The lots of a line differ only by name: ``stock.lot``'s batch
        create gives ``create()``'s result at a fraction of its cost
        (stock_lot_batch.py). No chatter message per lot. Each lot records
        why it exists (``document``'s type, customer and the date).
        """
        provenance = (
            self.env["stock.lot"]._serial_provenance_vals(document) if document else {}
        )
        self.env["stock.lot"].check_access("create")
        # Sudo: the provenance fields are the addon's only (field_guard.py);
        # the generator checked the user's access to the document.
        lots = (
            self.env["stock.lot"]
            .sudo()
            .with_context(
                serial_names_checked=True, mail_create_nolog=True, tracking_disable=True
            )
            ._serial_create_batch(
                [
                    {
                        "name": name,
                        "product_id": line.product.id,
                        "company_id": company.id,
                        **provenance,
                    }
                    for line in lines
                    for name in line.names
                ]
            )
            .sudo(False)
        )
        created, start = [], 0
        for line in lines:
            created.append(line.with_lots(lots[start : start + len(line.names)]))
            start += len(line.names)
        return tuple(created)

    # Background --------------------------------------------------------------

    @api.model
    def _queue(self, document, lines, location, validate):
        """Leave the generation of ``lines`` to the background runner."""
        # Sudo: users read jobs but may not write them, so that nobody can
        # forge or replay one over RPC; this one holds the checked plan.
        job = (
            self.env["serial.generation.job"]
            .sudo()
            .create(
                {
                    "company_id": document.company_id.id,
                    "user_id": self.env.uid,
                    document._serial_wizard_field: document.id,
                    "location_dest_id": location.id,
                    "validate_transfer": validate,
                    "line_ids": [
                        fields.Command.create(
                            {
                                document._serial_line_field: line.source.id,
                                "product_id": line.product.id,
                                "count": line.count,
                                "lot_quantity": line.lot_quantity,
                                "names": "\n".join(line.names) if line.names else False,
                            }
                        )
                        for line in lines
                    ],
                }
            )
        )
        # Sudo: users trigger the runner, they do not manage scheduled actions.
        self.env.ref("everest_serial_gen.serial_generation_job_cron").sudo()._trigger()
        document._message_log(
            body=self.env._(
                "%(user)s asked for %(count)s serial numbers into %(location)s: they "
                "are generated in the background, in chunks of %(size)s.",
                user=self.env.user.name,
                count=job.total,
                location=location.display_name,
                size=document.company_id.serial_batch_size,
            ),
        )
        return job

    # Input -------------------------------------------------------------------

    @api.model
    def _plan_line(
        self,
        source,
        quantity,
        names=None,
        product=None,
        attach=None,
        document=None,
        confirm_other_customer=False,
    ):
        """The plan line for ``quantity`` new units (product unit) of
        ``source`` with the ``names`` the user typed, if any, and the known
        serials to ``attach``; refuse what cannot be. ``product`` is the one
        the user saw, checked against the source's."""
        product = product or source.product_id
        known = {}
        if attach:
            known = self._plan_known(document, source, attach, confirm_other_customer)
        count, lot_quantity = self._plan_quantity(product, quantity)
        self.env["serial.generator.check"]._check_typed_names(product, count, names)
        return PlanLine(
            source=source,
            product=product,
            count=count,
            lot_quantity=lot_quantity,
            names=tuple(names) if names and count else None,
            **known,
        )

    @api.model
    def _plan_known(self, document, source, attach, confirm_other_customer):
        """The plan line's fields for the known serials ``attach``."""
        attached, quantities, retrieved, others = self.env["serial.attach"]._split(
            document, source, attach, confirm_other_customer
        )
        if others:
            self.env["serial.attach"]._log_other_customers(document, others)
        return {
            "attached": attached or None,
            "attached_quantities": quantities,
            "retrieved": retrieved or None,
        }

    @api.model
    def _plan_quantity(self, product, quantity):
        """``(count, lot_quantity)`` for ``quantity`` new units of
        ``product``: one lot per unit of a serial, one lot for the rest."""
        rounding = product.uom_id.rounding
        if float_compare(quantity, 0, precision_rounding=rounding) < 0:
            raise UserError(
                self.env._(
                    "The quantity to generate of %(product)s cannot be negative.",
                    product=product.display_name,
                )
            )
        serial = product.tracking == "serial"
        if serial and not float_is_zero(quantity - round(quantity), precision_digits=6):
            raise UserError(
                self.env._(
                    "%(product)s is tracked by serial number: its quantity to "
                    "generate must be a whole number, not %(quantity)s.",
                    product=product.display_name,
                    quantity=self.env["serial.generator.check"]._format_quantity(
                        quantity, product.uom_id, False
                    ),
                )
            )
        if not float_is_zero(
            quantity - float_round(quantity, precision_rounding=rounding),
            precision_digits=6,
        ):
            raise UserError(
                self.env._(
                    "The quantity to generate of %(product)s does not fit the "
                    "rounding of its unit %(unit)s.",
                    product=product.display_name,
                    unit=product.uom_id.display_name,
                )
            )
        if serial:
            return int(round(quantity)), 1.0
        return (1 if quantity > 0 else 0), quantity
