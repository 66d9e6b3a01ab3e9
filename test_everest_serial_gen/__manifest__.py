{
    "name": "Everest Serial Generation - Test Document Type",
    "summary": "Test only, never installed in production: a toy return "
    "document with Generate Serial #, from one model file and one view",
    "version": "1.1.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "depends": ["everest_serial_gen"],
    "data": [
        "security/ir.model.access.csv",
        "views/test_serial_return_views.xml",
    ],
    "installable": True,
}
