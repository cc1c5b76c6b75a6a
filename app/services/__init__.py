"""Services: one function per use case; each takes a SQLAlchemy Session and owns its transaction.

Core modules here: `accounts` (users, logins, memberships), `engagements`, `scenarios`, `errors` (what
services raise), `work` (progress of long work), `demo` (the demo engagement). Everything else lives in a
package per subject: `catalog`, `analysis`, `datasets`, `engines`, `reports`, `bundle`, `interchange`,
`workbook`. Services import models, engines, graph analysis and exporters; never the web layer.
"""
