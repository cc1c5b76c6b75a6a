"""Views only parse the request, call a service and render: no SQL statement is built and no session is used in
the view layers (the web blueprints, the REST API and the CLI). They hand `db.session` to services, which own
the transaction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VIEW_LAYERS = ("app/web", "app/cli", "app/api")
STATEMENTS = {"select", "insert", "update", "delete"}
# What a SQLAlchemy session does; a view calling any of these on a session is doing a service's work.
SESSION_METHODS = {
    "execute", "scalar", "scalars", "get", "add", "add_all", "delete", "merge", "commit", "flush", "query",
    "rollback", "refresh", "expire", "expunge", "connection", "get_bind", "begin", "begin_nested", "close",
    "in_transaction", "no_autoflush",
}
# Flask-SQLAlchemy's shortcuts on `db` that run queries or reach the engine.
DB_SHORTCUTS = {"select", "insert", "update", "delete", "engine", "paginate", "get_or_404", "first_or_404",
                "one_or_404"}


def view_modules() -> list[Path]:
    """Every Python module of the view layers, found on disk so a new one cannot be left out."""
    return sorted(p for layer in VIEW_LAYERS for p in (ROOT / layer).rglob("*.py"))


def _is_db_session(node: ast.AST) -> bool:
    """`db.session`, or `db.session()` (the current Session)."""
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        node = node.func
    return (isinstance(node, ast.Attribute) and node.attr == "session"
            and isinstance(node.value, ast.Name) and node.value.id == "db")


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []
        self.statement_names: set[str] = set()  # local names of sqlalchemy's select/insert/update/delete
        self.sqlalchemy_modules: set[str] = set()  # local names of the sqlalchemy package
        self.model_names: set[str] = set()  # classes imported from models (Model.query is a query)
        self.flask_session = False  # `session` here is Flask's cookie session, not a database session

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy."):
                self.sqlalchemy_modules.add((alias.asname or alias.name).split(".")[0])
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            if module.split(".")[0] == "sqlalchemy" and alias.name in STATEMENTS:
                self.statement_names.add(local)
            elif module == "flask" and alias.name == "session":
                self.flask_session = local == "session"
            elif module.split(".")[0] == "models":
                self.model_names.add(local)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.statement_names:
            self._flag(node, f"{func.id}(…) builds a SQL statement")
        elif (isinstance(func, ast.Attribute) and func.attr in STATEMENTS and isinstance(func.value, ast.Name)
              and func.value.id in self.sqlalchemy_modules):
            self._flag(node, f"{func.value.id}.{func.attr}(…) builds a SQL statement")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if _is_db_session(value):
            self._flag(node, f"db.session.{node.attr} uses the session (hand db.session to a service instead)")
        elif isinstance(value, ast.Name) and value.id == "db" and node.attr in DB_SHORTCUTS:
            self._flag(node, f"db.{node.attr} runs a query or reaches the engine")
        elif (isinstance(value, ast.Name) and value.id == "session" and node.attr in SESSION_METHODS
              and not (self.flask_session and node.attr == "get")):
            self._flag(node, f"session.{node.attr} uses the session (a service's job)")
        elif isinstance(value, ast.Name) and value.id in self.model_names and node.attr == "query":
            self._flag(node, f"{value.id}.query runs a query")
        self.generic_visit(node)

    def _flag(self, node: ast.AST, message: str) -> None:
        self.problems.append((node.lineno, message))


def problems_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for each ORM query or session use in a module's source."""
    checker = _Checker()
    checker.visit(ast.parse(source))
    return sorted(checker.problems)


def test_the_view_layers_are_found():
    found = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert {"app/web/crud.py", "app/web/listing.py", "app/web/errors.py", "app/cli/common.py"} <= found
    assert any(p.startswith("app/web/") and p.count("/") > 2 for p in found), "blueprint packages are searched"


@pytest.mark.parametrize("path", view_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_view_module_neither_queries_nor_uses_the_session(path: Path):
    where = path.relative_to(ROOT).as_posix()
    found = [f"{where}:{line}: {what}" for line, what in problems_in(path.read_text(encoding="utf-8"))]
    assert not found, "Move these into a service (app/services/…) and call it with db.session:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select\nrows = select(Element)\n",
        "from sqlalchemy import update as upd\nupd(Element)\n",
        "import sqlalchemy as sa\nsa.delete(Element)\n",
        "from app.extensions import db\ndb.session.scalars(q)\n",
        "from app.extensions import db\ndb.session.rollback()\n",
        "from app.extensions import db\ndb.session().in_transaction()\n",
        "from app.extensions import db\ndb.select(Element)\n",
        "def f(session):\n    return session.execute(q)\n",
        "def f(session):\n    return session.get(Element, 1)\n",
        "from models import Element\nElement.query.all()\n",
    ],
)
def test_the_guard_catches_queries_and_session_use(source: str):
    assert problems_in(source)


@pytest.mark.parametrize(
    "source",
    [
        "from app.extensions import db\nsvc.list_scenarios(db.session, 1)\n",
        "from app.extensions import db\ntransactions.begin_read(db.session())\n",
        "from flask import session\nsession.get('next')\nsession['undo'] = 1\n",
        "from sqlalchemy.orm import Session\ndef f(session: Session):\n    return svc.page(session, 1)\n",
        "from models import Element\ndef f(element: Element):\n    return element.kind\n",
    ],
)
def test_the_guard_lets_views_hand_the_session_to_services(source: str):
    assert problems_in(source) == []
