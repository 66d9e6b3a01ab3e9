{
    "name": "Everest Serial Generation - RMA",
    "summary": "Generate Serial # on OCA's RMA: an item that comes back without "
    "a serial in Odoo gets one on the RMA's own reception",
    "version": "1.2.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "development_status": "Beta",
    "maintainers": ["everest"],
    "depends": ["everest_serial_gen", "rma"],
    "data": ["views/rma_views.xml"],
    "auto_install": True,
    "installable": True,
}
