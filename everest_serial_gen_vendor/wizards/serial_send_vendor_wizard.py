from odoo import api, fields, models


class SerialSendVendorWizard(models.TransientModel):
    """Send to Vendor: which serials, to which vendor; ``serial.vendor.return``
    does the rest."""

    _name = "serial.send.vendor.wizard"
    _description = "Send Serials to a Vendor"

    lot_ids = fields.Many2many(
        "stock.lot",
        string="Serial Numbers",
        required=True,
        help="The serials to send, from the location where they are in stock "
        "(normally the Out location of the return that brought them in).",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Vendor",
        required=True,
        help="By default the first vendor of the serials' product.",
    )
    validate_transfer = fields.Boolean(
        string="Validate at Once",
        default=True,
        help="Validate the Return to Vendor transfer now; otherwise leave it "
        "ready, with the serials reserved.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lots = self.env["stock.lot"]._serial_lots_from_context()
        if lots:
            values["lot_ids"] = [fields.Command.set(lots.ids)]
            if "partner_id" in fields_list and not values.get("partner_id"):
                values["partner_id"] = self._default_vendor(lots).id
        return values

    @api.model
    def _default_vendor(self, lots):
        """The first vendor of the products, in the serials' company: the
        lots', or, for a product shared between companies, the company of
        the stock that holds them, else the user's."""
        # Sudo: only the companies of the stock holding the serials are read,
        # to choose the default vendor.
        quants = lots.sudo().quant_ids.filtered(
            lambda quant: quant.location_id.usage == "internal" and quant.quantity > 0
        )
        companies = lots.company_id | quants.company_id or self.env.company
        sellers = lots.product_id.seller_ids.filtered(
            lambda seller: not seller.company_id or seller.company_id in companies
        )
        return sellers.sorted(lambda seller: (seller.sequence, seller.id))[
            :1
        ].partner_id

    def action_send(self):
        self.ensure_one()
        pickings = self.env["serial.vendor.return"].send(
            self.lot_ids, self.partner_id, validate=self.validate_transfer
        )
        return self.env["serial.vendor.return"]._action_open(pickings)
