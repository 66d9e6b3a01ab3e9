from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "everest_serial_gen")]
        )
        self.assertEqual(module.state, "installed")
