{
    "name": "Everest Serial Generation - Service Center",
    "summary": "Send returned serials on to their vendor and take them back, "
    "repaired or replaced, with each serial's service history",
    "version": "1.2.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "development_status": "Beta",
    "maintainers": ["everest"],
    "depends": ["everest_serial_gen"],
    "data": [
        "security/ir.model.access.csv",
        "security/security.xml",
        "views/stock_lot_views.xml",
        "views/stock_picking_views.xml",
        "views/stock_warehouse_views.xml",
        "views/serial_send_vendor_wizard_views.xml",
        "views/serial_vendor_receive_wizard_views.xml",
    ],
    "demo": ["demo/serial_vendor_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "everest_serial_gen_vendor/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
