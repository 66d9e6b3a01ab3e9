import cProfile
import pstats
import re
from pathlib import Path
from unittest.mock import patch

from .common import FAST_PATH_PARAMETER, SerialGenCase


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
            checks[method], patcher = self._count_calls("serial.generator", method)
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
        calls, patcher = self._count_calls("serial.generator", "_check_plan")
        with patcher:
            self.env["serial.generation.job"]._serial_runner_step()
        self.assertEqual(len(calls), 1)
        self.assertEqual(len(refund.serial_lot_ids), 2)

    def test_document_types_need_no_field_elsewhere(self):
        """The wizard, the generations and the serials refer to documents by
        model and id: a document type adds no field to them (#23)."""
        models = self.env["serial.generate.mixin"]._serial_document_models()
        self.assertLessEqual(
            {"account.move", "stock.picking"}, {m._name for m in models}
        )
        for name in (
            "serial.generate.wizard",
            "serial.generate.wizard.line",
            "serial.generation.job",
            "serial.generation.job.line",
            "stock.lot",
        ):
            # a link to one document type would be a many2one to it
            relations = {
                field.comodel_name
                for field in self.env[name]._fields.values()
                if field.type == "many2one"
            }
            for model in models:
                self.assertNotIn(model._name, relations, name)
        for model in models:
            lines = model._fields[model._serial_lines_field].comodel_name
            self.assertIn(
                lines, self.env.registry["serial.generate.line.mixin"]._inherit_children
            )
            self.assertEqual(
                model._fields["serial_job_ids"].comodel_name, "serial.generation.job"
            )

    def test_no_core_file_names_a_document_model(self):
        """A document type is its own model files (#30): outside them, no
        file of the core names a document model that is not a transfer, and
        no code of the addons branches on a model's or an operation's name."""
        root = Path(__file__).resolve().parents[1]
        models = self.env["serial.generate.mixin"]._serial_document_models()
        for model in models:
            if model._name.startswith("stock."):
                continue  # transfers are what every document moves goods with
            lines = self.env[model._fields[model._serial_lines_field].comodel_name]
            # its model files, and the lists of files that load them
            own = {
                f"models/{model._table}.py",
                f"models/{lines._table}.py",
                "models/__init__.py",
                "__manifest__.py",
            }
            for path in sorted(root.rglob("*.py")):
                relative = path.relative_to(root).as_posix()
                if relative.startswith(("tests/", "migrations/")) or relative in own:
                    continue
                text = path.read_text()
                for name in (model._name, lines._name, model._table):
                    self.assertNotIn(name, text, f"{relative} names {name}")
        branch = re.compile(r"(_name|res_model|source_model|operation)\s*[!=]=\s*[\"']")
        for addon in root.parent.glob("everest_serial_gen*"):
            for path in sorted(addon.rglob("*.py")):
                if "/tests/" in path.as_posix() or "/migrations/" in path.as_posix():
                    continue
                self.assertFalse(
                    branch.search(path.read_text()),
                    f"{path.relative_to(root.parent)} branches on a name",
                )

    def test_one_ok_runs_in_few_files(self):
        """One OK of 3 new serials on a plain credit note runs code in at
        most 18 of the addons' files, whichever are installed (#30): the
        plan goes wizard → job → generator → Odoo, not through a web of
        services (cProfile over action_generate, as the issue measured)."""
        # the default installation: the speed layer, if installed, takes
        # batches from its smallest size (not set)
        self.env["ir.config_parameter"].set_param(FAST_PATH_PARAMETER, False)
        refund = self._create_credit_note([(self.serial_product, 3)])
        wizard = self._wizard_form(refund).save()
        self.env.flush_all()
        addons = Path(__file__).resolve().parents[2] / "everest_serial_gen"
        profile = cProfile.Profile()
        profile.enable()
        try:
            wizard.action_generate()
            self.env.flush_all()
        finally:
            profile.disable()
        files = {
            filename
            for (filename, _line, _name) in pstats.Stats(profile).stats
            if filename.startswith(str(addons))
        }
        self.assertEqual(len(refund.serial_lot_ids), 3)
        self.assertEqual(refund.serial_picking_ids.state, "done")
        self.assertLessEqual(len(files), 18, "\n".join(sorted(files)))
