import re

from odoo.exceptions import ValidationError
from odoo.tests import Form

from .common import SerialGenCase


class TestNumbering(SerialGenCase):
    def _names(self, document):
        return sorted(document.serial_lot_ids.mapped("name"))

    def test_company_sequence_prefix_and_padding_from_settings(self):
        settings = Form(self.env["res.config.settings"])
        settings.serial_sequence_prefix = "CN-"
        settings.serial_sequence_padding = 4
        settings.save().execute()
        self.assertEqual(self.company.serial_sequence_id.prefix, "CN-")
        refund = self._create_credit_note([(self.serial_product, 3)])
        self._generate(refund)
        names = self._names(refund)
        self.assertTrue(all(re.fullmatch(r"CN-\d{4,}", name) for name in names), names)
        numbers = [int(name[3:]) for name in names]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))

    def test_product_sequence_wins(self):
        sequence = self.env["ir.sequence"].create(
            {
                "name": "Laptops",
                "prefix": "LAP-",
                "padding": 3,
                "number_next": 7,
                "company_id": False,
            }
        )
        self._set_product_sequence(self.serial_product, sequence)
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.lot_product, 1)]
        )
        self._generate(refund)
        laptops = refund.serial_lot_ids.filtered(
            lambda lot: lot.product_id == self.serial_product
        )
        self.assertEqual(sorted(laptops.mapped("name")), ["LAP-007", "LAP-008"])
        reel = refund.serial_lot_ids - laptops
        self.assertTrue(reel.name.startswith(self.company.serial_sequence_id.prefix))

    def test_no_gap_sequence(self):
        sequence = self.env["ir.sequence"].create(
            {
                "name": "No gap",
                "prefix": "NG",
                "padding": 2,
                "implementation": "no_gap",
                "company_id": False,
            }
        )
        self._set_product_sequence(self.serial_product, sequence)
        refund = self._create_credit_note([(self.serial_product, 3)])
        self._generate(refund)
        self.assertEqual(self._names(refund), ["NG01", "NG02", "NG03"])
        self.assertEqual(sequence.number_next_actual, 4)

    def test_first_serial_per_line(self):
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.first_serial = "RMA-000120"
            self.assertEqual(line.preview_first, "RMA-000120")
            self.assertEqual(line.preview_last, "RMA-000124")
        form.save().action_generate()
        self.assertEqual(
            self._names(receipt), [f"RMA-0001{number}" for number in range(20, 25)]
        )

    def test_typed_or_pasted_list(self):
        receipt = self._create_return_receipt([(self.serial_product, 4)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.serial_list = "A-1\nA-2\tA-3 ; A-4\n\n"
            self.assertEqual(line.gen_quantity, 4)
            self.assertEqual((line.preview_first, line.preview_last), ("A-1", "A-4"))
        form.save().action_generate()
        self.assertEqual(self._names(receipt), ["A-1", "A-2", "A-3", "A-4"])

    def test_typed_list_must_match_the_quantity(self):
        receipt = self._create_return_receipt([(self.serial_product, 4)])
        wizard = self._wizard_form(receipt).save()
        wizard.line_ids.write({"serial_list": "B-1\nB-2", "gen_quantity": 3})
        self.assertNothingCreated(
            wizard.action_generate, message="2 serial numbers are typed"
        )
        wizard.line_ids.write({"serial_list": "B-1\nB-1", "gen_quantity": 2})
        self.assertNothingCreated(wizard.action_generate, message="B-1")

    def test_lot_takes_one_name(self):
        receipt = self._create_return_receipt([(self.lot_product, 6)])
        wizard = self._wizard_form(receipt).save()
        wizard.line_ids.serial_list = "REEL-A"
        self.assertEqual(wizard.line_ids.gen_quantity, 6)
        wizard.action_generate()
        self.assertEqual(self._names(receipt), ["REEL-A"])
        receipt = self._create_return_receipt([(self.lot_product, 6)])
        wizard = self._wizard_form(receipt).save()
        wizard.line_ids.serial_list = "REEL-B;REEL-C"
        self.assertNothingCreated(wizard.action_generate, message="one lot")

    def test_preview_shows_what_the_sequence_gives(self):
        refund = self._create_credit_note([(self.serial_product, 3)])
        wizard = self._wizard_form(refund).save()
        first, last = wizard.line_ids.preview_first, wizard.line_ids.preview_last
        self.assertTrue(first.startswith(self.company.serial_sequence_id.prefix))
        wizard.action_generate()
        names = self._names(refund)
        self.assertEqual((names[0], names[-1]), (first, last))

    def test_preview_of_lines_sharing_a_sequence(self):
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.lot_product, 3)]
        )
        wizard = self._wizard_form(refund).save()
        previews = [(line.preview_first, line.preview_last) for line in wizard.line_ids]
        wizard.action_generate()
        serials = refund.serial_lot_ids.filtered(
            lambda lot: lot.product_id == self.serial_product
        )
        lot = refund.serial_lot_ids - serials
        self.assertEqual(previews[0], tuple(sorted(serials.mapped("name"))))
        self.assertEqual(previews[1], (lot.name, lot.name))

    def test_sequence_skips_names_in_use(self):
        sequence = self.env["ir.sequence"].create(
            {"name": "S", "prefix": "S", "padding": 2, "company_id": False}
        )
        self._set_product_sequence(self.serial_product, sequence)
        Lot = self.env["stock.lot"]
        Lot.create(
            {
                "name": "S02",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
            }
        )
        Lot.create(
            {"name": "S03", "product_id": self.serial_product.id, "company_id": False}
        )
        refund = self._create_credit_note([(self.serial_product, 3)])
        self._generate(refund)
        self.assertEqual(self._names(refund), ["S01", "S04", "S05"])

    def test_one_error_lists_every_clash(self):
        Lot = self.env["stock.lot"]
        for name in ("C-2", "C-4"):
            Lot.create(
                {
                    "name": name,
                    "product_id": self.serial_product.id,
                    "company_id": self.company.id,
                }
            )
        receipt = self._create_return_receipt([(self.serial_product, 5)])
        form = self._wizard_form(receipt)
        with form.line_ids.edit(0) as line:
            line.first_serial = "C-1"
        error = self.assertNothingCreated(form.save().action_generate)
        self.assertIn("C-2, C-4", str(error))

    def test_ok_twice_creates_nothing_more(self):
        refund = self._create_credit_note([(self.serial_product, 2)])
        wizard, first = self._generate(refund)
        counts = self._counts()
        second = wizard.action_generate()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(self._result(second)["domain"], self._result(first)["domain"])
        self.assertEqual(len(refund.serial_lot_ids), 2)

    def _generate_with_step(self, document):
        wizard, action = self._generate(document, assign_manufacturer_serials=True)
        self.assertEqual(action["res_model"], "serial.manufacturer.wizard")
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        return wizard, form

    def test_second_step_of_the_wizard(self):
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        wizard, form = self._generate_with_step(receipt)
        generated = {lot: lot.name for lot in wizard.lot_ids}
        for index, manufacturer in enumerate(("MFR-A", "MFR-B")):
            with form.line_ids.edit(index) as line:
                line.manufacturer_serial = manufacturer
        form.save().action_apply()
        for lot, name in generated.items():
            self.assertIn(lot.name, ("MFR-A", "MFR-B"))
            self.assertEqual(lot.ref, name)
        self.assertEqual(receipt.serial_lot_ids, wizard.lot_ids)

    def test_later_from_the_serial_form(self):
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        lot = refund.serial_lot_ids
        generated = lot.name
        action = lot.action_assign_manufacturer_serials()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        with form.line_ids.edit(0) as line:
            line.manufacturer_serial = "  MFR-42 "
        form.save().action_apply()
        self.assertEqual((lot.name, lot.ref), ("MFR-42", generated))
        # renamed again: the generated number stays the reference
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        with form.line_ids.edit(0) as line:
            line.manufacturer_serial = "MFR-43"
        form.save().action_apply()
        self.assertEqual((lot.name, lot.ref), ("MFR-43", generated))

    def test_same_uniqueness_rules(self):
        self.env["stock.lot"].create(
            {
                "name": "TAKEN",
                "product_id": self.serial_product.id,
                "company_id": self.company.id,
            }
        )
        receipt = self._create_return_receipt([(self.serial_product, 2)])
        wizard, form = self._generate_with_step(receipt)
        names = sorted(wizard.lot_ids.mapped("name"))
        with form.line_ids.edit(0) as line:
            line.manufacturer_serial = "TAKEN"
        with form.line_ids.edit(1) as line:
            line.manufacturer_serial = "FREE"
        manufacturer = form.save()
        # all or nothing: FREE is not written when TAKEN is refused
        self.assertNothingCreated(manufacturer.action_apply, message="TAKEN")
        self.assertEqual(sorted(wizard.lot_ids.mapped("name")), names)
        manufacturer.line_ids.manufacturer_serial = "SAME"
        self.assertNothingCreated(manufacturer.action_apply, message="SAME")
        self.assertEqual(sorted(wizard.lot_ids.mapped("name")), names)


class TestNumberingChecks(SerialGenCase):
    def test_name_from_a_default_is_checked(self):
        Lot = self.env["stock.lot"]
        Lot.create({"name": "DUP-1", "product_id": self.serial_product.id})
        with self.assertRaisesRegex(ValidationError, "DUP-1"):
            Lot.with_context(default_product_id=self.serial_product.id).create(
                {"name": "DUP-1"}
            )

    def test_name_from_the_default_sequence_is_checked(self):
        Lot = self.env["stock.lot"].with_context(
            default_product_id=self.serial_product.id
        )
        taken = Lot.create({}).name
        sequence = self.env["ir.sequence"].search([("code", "=", "stock.lot.serial")])
        sequence.number_next_actual -= 1  # the next default is the same name
        with self.assertRaisesRegex(ValidationError, taken):
            Lot.create({})

    def test_sequence_continues_after_the_highest_number_in_use(self):
        """Serials of the old ERP in the same format, or a reinstall: the
        sequence starts again at 1, and 30 numbers in a row are taken."""
        sequence = self.company.serial_sequence_id
        prefix, _suffix = sequence._get_prefix_suffix()
        start = sequence.number_next_actual
        self.env["stock.lot"].create(
            [
                {
                    "name": f"{prefix}{number:0{sequence.padding}d}",
                    "product_id": self.serial_product.id,
                    "company_id": self.company.id,
                }
                for number in range(start, start + 30)
            ]
        )
        refund = self._create_credit_note([(self.serial_product, 1)])
        self._generate(refund)
        self.assertEqual(
            refund.serial_lot_ids.name, f"{prefix}{start + 30:0{sequence.padding}d}"
        )
        sequence.invalidate_recordset()
        self.assertEqual(sequence.number_next_actual, start + 31)
