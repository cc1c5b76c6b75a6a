"""House rules that keep the code easy to change: modules stay small and say what they hold.

Files are discovered from the tree, so a new module cannot slip past the rules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
CODE = ("app", "models", "exports")


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_outside_generated_migrations_is_longer_than_the_limit():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules(*CODE, "tests", "bench")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules over {MAX_LINES} lines (carve them along their seams): {long}"


@pytest.mark.parametrize("path", _modules(*CODE), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_application_module_opens_with_a_docstring_saying_what_it_holds(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if not tree.body:  # an empty package marker says nothing and holds nothing
        return
    assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no module docstring"


def test_the_rules_see_every_part_of_the_code():
    # A guard that finds nothing to check cannot fail: make sure the discovery above sees the tree.
    found = {p.relative_to(ROOT).parts[0] for p in _modules(*CODE)}
    assert found == set(CODE)
    assert len(_modules(*CODE)) > 150


def test_the_pure_packages_load_without_flask_the_orm_or_the_configuration():
    pure = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in _modules("app/engines", "app/graph", "app/capture", "exports")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {pure!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('flask', 'werkzeug', 'sqlalchemy', 'models', 'config', 'app.services')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(pure) > 40
    assert out.stdout.strip() == "[]"
