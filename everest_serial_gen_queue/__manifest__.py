{
    "name": "Everest Serial Generation - Job Queue",
    "summary": "Run the background chunks of Generate Serial # and its "
    "operations as jobs of OCA's job queue (queue_job)",
    "version": "1.2.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "development_status": "Beta",
    "maintainers": ["everest"],
    "depends": ["everest_serial_gen", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/serial_generation_job_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
