{
    "name": "Everest Serial Generation",
    "summary": "Generate serial numbers for returned goods on credit notes and returns",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Everest",
    "website": "https://github.com/everest/everest_serial_gen",
    "depends": ["stock_account"],
    "data": [],
    "installable": True,
}
