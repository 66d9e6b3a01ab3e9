{
    "name": "Everest Serial Generation - Speed",
    "summary": "Generate, attach and move thousands of serials at a fraction of "
    "the ORM's cost, storing what Odoo stores",
    "version": "1.2.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "development_status": "Beta",
    "maintainers": ["everest"],
    "depends": ["everest_serial_gen"],
    "auto_install": True,
    "installable": True,
}
