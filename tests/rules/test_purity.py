"""The rules engine is pure: importing it brings in no web framework and no database."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import service.rules
for module in pkgutil.iter_modules(service.rules.__path__):
    if module.name != "cli":  # the CLI wires the rules to the app on purpose
        importlib.import_module("service.rules." + module.name)
print(" ".join(m for m in ("flask", "werkzeug", "sqlalchemy", "marshmallow", "whoosh",
                           "psycopg") if m in sys.modules))
"""


def test_the_rules_import_without_flask_or_a_database():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,  # noqa: S603
                            check=True)
    assert result.stdout.strip() == ""
