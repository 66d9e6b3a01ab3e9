from unittest.mock import patch

from .common import SerialGenCase


class TestGenerator(SerialGenCase):
    """One OK goes through serial.generator once, and checks once."""

    def _count_calls(self, model, method):
        calls = []
        cls = self.env.registry[model]
        original = getattr(cls, method)

        def counting(*args, **kwargs):
            calls.append(method)
            return original(*args, **kwargs)

        return calls, patch.object(cls, method, counting)

    def test_document_checked_once_per_ok(self):
        refund = self._create_credit_note(
            [(self.serial_product, 2), (self.lot_product, 3)]
        )
        wizard = self._wizard_form(refund).save()
        checks = {}
        patches = []
        for method in (
            "_check_generatable",
            "_check_access",
            "_check_location",
            "_check_plan",
        ):
            checks[method], patcher = self._count_calls(
                "serial.generator.check", method
            )
            patches.append(patcher)
        for patcher in patches:
            patcher.start()
        try:
            wizard.action_generate()
        finally:
            for patcher in patches:
                patcher.stop()
        self.assertEqual(
            {name: len(calls) for name, calls in checks.items()},
            {
                "_check_generatable": 1,
                "_check_access": 1,
                "_check_location": 1,
                "_check_plan": 1,
            },
        )
        self.assertEqual(len(refund.serial_lot_ids), 3)

    def test_background_chunk_checked_once(self):
        self.company.serial_batch_size = 2
        refund = self._create_credit_note([(self.serial_product, 3)])
        self._generate(refund)
        calls, patcher = self._count_calls("serial.generator.check", "_check_plan")
        with patcher:
            self.env["serial.generation.job"]._cron_process()
        self.assertEqual(len(calls), 1)
        self.assertEqual(len(refund.serial_lot_ids), 2)

    def test_every_document_model_declares_its_fields(self):
        """What a document type declares is all the wizard and the job need."""
        Wizard = self.env["serial.generate.wizard"]
        Job = self.env["serial.generation.job"]
        models = self.env["serial.generate.mixin"]._serial_document_models()
        self.assertEqual(
            {model._name for model in models}, {"account.move", "stock.picking"}
        )
        for model in models:
            self.assertEqual(
                Wizard._fields[model._serial_wizard_field].comodel_name, model._name
            )
            self.assertEqual(
                Job._fields[model._serial_wizard_field].comodel_name, model._name
            )
            line_model = model._fields[model._serial_lines_field].comodel_name
            for lines in (Wizard.line_ids, Job.line_ids):
                self.assertEqual(
                    lines._fields[model._serial_line_field].comodel_name, line_model
                )
