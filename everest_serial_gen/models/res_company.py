from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.serial_plan import SERIAL_SEQUENCE_CODE

SERIAL_SETTINGS_FIELDS = {
    "serial_stock_location_id",
    "serial_out_location_id",
    "serial_sequence_id",
    "serial_batch_size",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    serial_stock_location_id = fields.Many2one(
        "stock.location",
        string="Stock Location for Credit Notes",
        domain="[('usage', '=', 'internal'), ('company_id', 'in', [id, False])]",
        check_company=True,
        help="Where Generate Serial # on a credit note "
        "brings the items, with a validated receipt from the customer, unless "
        "the warehouse of the credit note's sale order sets its own.",
    )
    serial_out_location_id = fields.Many2one(
        "stock.location",
        string="Out Location for Returns",
        domain="[('usage', '=', 'internal'), ('company_id', 'in', [id, False])]",
        check_company=True,
        help="Where Generate Serial # on a customer return puts the items, "
        "unless the return's warehouse sets its own.",
    )
    serial_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Serial Number Sequence",
        check_company=True,
        help="Numbers the serials that Generate Serial # creates, unless the "
        "product has its own sequence.",
    )
    serial_batch_size = fields.Integer(
        string="Background Generation Above",
        default=2000,
        help="Generations, reversals and validated vendor transfers of more "
        "serials than this run in the background, in chunks of this size, each "
        "committed on its own.",
    )

    @api.constrains("serial_batch_size")
    def _check_serial_batch_size(self):
        if any(company.serial_batch_size < 1 for company in self):
            raise ValidationError(
                self.env._("Background generation needs a batch size of at least 1.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._serial_create_sequences()
        return companies

    def write(self, vals):
        # Res.company is writable by Settings admins and by ERP managers: the
        # serial settings route stock, so they also need Inventory admin rights.
        if SERIAL_SETTINGS_FIELDS.intersection(vals):
            self._serial_check_configurator()
        return super().write(vals)

    @api.model
    def _serial_check_configurator(self):
        """Only Inventory administrators configure serial generation."""
        if not self.env.su and not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(
                self.env._(
                    "Only Inventory administrators can change the serial number "
                    "generation settings."
                )
            )

    @api.model
    def _serial_install_defaults(self):
        """Give the warehouses and companies that exist before the install
        what new ones get on creation: an Out location, a serial sequence and
        the default locations. Runs from a data file, so before demo data.
        Archived warehouses are left as they are: they would get active
        locations, and they use the company's once they are back."""
        warehouses = self.env["stock.warehouse"].search([])
        # After an uninstall, the Out locations are still there, holding
        # stock: point to them again rather than create a second one.
        warehouses._serial_reuse_out_locations()
        warehouses.with_context(
            serial_create_out_location=True
        )._create_missing_locations({})
        companies = self.search([])
        companies._serial_create_sequences()
        companies._serial_set_default_locations()

    def _serial_set_default_locations(self):
        """Default the locations to the company's main warehouse, when unset."""
        # Sudo: runs when a warehouse is created, by Inventory administrators
        # who may not write companies; it only fills the empty settings.
        for company in self:
            warehouse = (
                self.env["stock.warehouse"]
                .sudo()
                .search([("company_id", "=", company.id)], limit=1)
            )
            if not warehouse:
                continue
            vals = {}
            if not company.serial_stock_location_id:
                vals["serial_stock_location_id"] = warehouse.lot_stock_id.id
            if not company.serial_out_location_id:
                vals["serial_out_location_id"] = warehouse.serial_out_location_id.id
            if vals:
                company.sudo().write(vals)

    def _serial_create_sequences(self):
        """Give each company without one its own serial sequence, a copy of
        the template in data/ir_sequence_data.xml, editable in Settings."""
        companies = self.filtered(lambda company: not company.serial_sequence_id)
        if not companies:
            return
        # Sudo: this runs when a company or warehouse is created, or on the
        # first generation of an old company, by users who may not create
        # sequences nor write companies; it only adds the company's own.
        template = self.env.ref(
            "everest_serial_gen.serial_sequence_template", raise_if_not_found=False
        )
        defaults = template.sudo().copy_data()[0] if template else {}
        sequences = (
            self.env["ir.sequence"]
            .sudo()
            .create(
                [
                    dict(
                        defaults,
                        name=self.env._(
                            "Generated Serial Numbers (%(company)s)",
                            company=company.name,
                        ),
                        code=SERIAL_SEQUENCE_CODE,
                        company_id=company.id,
                        active=True,
                    )
                    for company in companies
                ]
            )
        )
        for sequence in sequences:
            sequence.company_id.sudo().serial_sequence_id = sequence
