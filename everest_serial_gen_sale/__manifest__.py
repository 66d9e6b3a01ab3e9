{
    "name": "Everest Serial Generation - Sales",
    "summary": "Credit notes of sales take their serials back from the sale's "
    "deliveries, as Odoo's Return does",
    "version": "1.2.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "development_status": "Beta",
    "maintainers": ["everest"],
    "depends": ["everest_serial_gen", "sale_stock"],
    "assets": {
        "web.assets_tests": [
            "everest_serial_gen_sale/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
    "installable": True,
}
