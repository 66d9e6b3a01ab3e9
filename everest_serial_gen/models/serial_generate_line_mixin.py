from odoo import fields, models


class SerialGenerateLineMixin(models.AbstractModel):
    """A line of a document with Generate Serial #: what it takes back, and
    where the units come back from. ``serial.attach`` and the generator ask
    these hooks, with the line's ``document``, so that a line model that
    several document types share (``stock.move``) answers for each without
    knowing them; the defaults fit a line that no delivery explains and that
    retrieves nothing (a document of the service center's own, say)."""

    _name = "serial.generate.line.mixin"
    _description = "Line of a Document with Generate Serial #"

    # the moves Generate Serial # made for the line's units (a credit note
    # line's receipts), as mail.thread finds its messages
    serial_stock_move_ids = fields.One2many(
        "stock.move",
        "serial_source_id",
        string="Serial Generation Moves",
        readonly=True,
        domain=lambda self: [("serial_source_model", "=", self._name)],
    )

    def _serial_is_eligible(self, document):
        """Whether Generate Serial # serves this line of ``document``."""
        raise NotImplementedError()

    def _serial_quantities(self, document):
        """``SerialQuantities(total, serialized)``: the line's quantity coming
        back, and how much of it already has serials, in the product's unit."""
        raise NotImplementedError()

    def _serial_receipt_move_vals(self, document):
        """What the moves of the document's receipts that bring this line's units
        carry of it: its link."""
        self.ensure_one()
        return {"serial_source_model": self._name, "serial_source_id": self.id}

    def _serial_delivery_moves(self, document):
        """The done deliveries whose return brings this line's goods back,
        oldest first."""
        return self.env["stock.move"]

    def _serial_retrievable_lines(self, document, lots=None):
        """{lot: done move line}: those of ``lots`` (any, when None) that
        came back on a return receipt and that this line may take as
        received without moving them again (a credit note's may)."""
        return {}

    def _serial_default_known(self, document, remaining, taken=None):
        """``(lots, {lot: units})`` the wizard offers to attach, up to
        ``remaining`` units, but what earlier lines of the document were
        offered (``taken``: {lot: units}): a unit is offered once."""
        return self.env["stock.lot"], {}

    def _serial_default_new_quantity(self, document, remaining, lots, known):
        """What the wizard offers to generate: what the known serials leave."""
        return max(remaining - known, 0.0)

    def _serial_new_units_by_origin(self, document, count, lot_quantity, attached):
        """``[(delivery move or empty, new lots)]``: the new lots that return
        units the line's deliveries took to the customer, by delivery, after
        the ``attached`` units ((move, lot, units)) took theirs; the rest
        come back without a delivery, and change no sale. A lot is not split
        over deliveries."""
        self.ensure_one()
        if not count:
            return []
        no_delivery = self.env["stock.move"]
        deliveries = self._serial_delivery_moves(document)
        if not deliveries:
            return [(no_delivery, count)]
        left = self.env["serial.attach"]._returnable_quantities(deliveries)
        for move, _lot, units in attached:
            if move in left:
                left[move] -= units
        rounding = self.product_id.uom_id.rounding
        result = []
        for move in deliveries:
            fits = int((left[move] + rounding / 2) // lot_quantity)
            taken = min(count, fits)
            if taken > 0:
                result.append((move, taken))
                count -= taken
            if not count:
                break
        if count:
            result.append((no_delivery, count))
        return result
