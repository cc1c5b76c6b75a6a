"""Services: one function per use case; each takes a SQLAlchemy Session and owns its transaction.

Core modules here: `accounts` (users, logins, memberships), `engagements`, `scenarios`, `errors` (what
services raise), `transactions` (discarding what a failed use case left, read-only transactions), `work`
(progress of long work), `demo` (the demo engagement). Everything else lives in a package per subject:
`catalog`, `analysis`, `datasets`, `engines`, `reports`, `bundle`, `interchange`, `workbook`. Services import
models, engines, graph analysis and exporters; never the web layer. Views and CLI commands hand their session to
services and never query or drive it themselves (tests/test_views_layering.py).
"""

# Every write through a Session bumps its engagement's revision, whichever service makes it (the key of
# cached analyses): the listeners are registered as soon as any service is imported.
from app.services.analysis import revision as _revision  # noqa: E402, F401
