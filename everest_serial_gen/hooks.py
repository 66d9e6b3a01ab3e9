def post_init_hook(env):
    """Give the warehouses and companies that exist before the install what
    new ones get on creation: an Out location, a serial sequence, defaults."""
    warehouses = env["stock.warehouse"].with_context(active_test=False).search([])
    warehouses._create_missing_locations({})
    companies = env["res.company"].search([])
    companies._serial_create_sequence()
    companies._serial_set_default_locations()
