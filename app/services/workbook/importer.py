"""Spreadsheet import: a workbook (XLSX or a ZIP of CSV files) into an existing engagement, all or nothing.

Names and refs in the cells are resolved to the engagement's objects (or to rows of the same workbook),
each row is matched to what it describes (by name; by ref or title; flows by source, target, entities,
pattern and via; ownership by system, entity and role) and then created, updated or left alone through
the ordinary services (save_element, add_link, save_scenario), so every rule of the model applies.
An import with any error rolls back. A dry run validates every row the same way (fields.clean and the
element rules, with the cached references) but writes no element: what it would create is represented by
a stand-in (`_Planned`) so later rows can refer to it; only scenarios are saved, and rolled back. The
format is documented in docs/workbook.md.

Speed: every object of the engagement is loaded once up front; references are handed to fields.clean
from that cache (`refs=`), clash queries are skipped where the index already answers them
(`check_unique=False`; the database's unique constraints stay the backstop), and a row that would
change nothing is compared in memory and never written.

This module holds the entry point and the order of the work; the work itself is done by `state.ImportRun`
and its collaborators (`index`, `resolve`, `saving`, `report`) and by the sheet importers (`sheets`,
`numbered`, `links`).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session

from app.services.transactions import holding_inserts
from app.services.workbook.links import apply_links
from app.services.workbook.numbered import apply_supersedes, import_numbered, update_counters
from app.services.workbook.report import ImportReport, RowResult, SheetResult, _Stop
from app.services.workbook.saving import _first_line
from app.services.workbook.scenario_rows import import_scenario_rows, split_rows
from app.services.workbook.sheets import import_flows, import_named, import_ownership, import_scenarios
from app.services.workbook.state import ImportRun
from exports.workbook import Problem, WorkbookError, read_workbook
from models import Engagement

__all__ = ["IMPORT_ORDER", "ImportReport", "RowResult", "SheetResult", "import_workbook"]

IMPORT_ORDER = (
    "scenarios",
    "channels",
    "entities",
    "stakeholders",
    "systems",
    "flows",
    "ownership",
    "requirements",
    "decisions",
)
# sheet -> its importer, called with the run and the sheet as read.
SHEET_IMPORTERS = {
    "scenarios": import_scenarios,
    "channels": import_named,
    "entities": import_named,
    "stakeholders": import_named,
    "systems": import_named,
    "flows": import_flows,
    "ownership": import_ownership,
    "requirements": import_numbered,
    "decisions": import_numbered,
}


# --- entry point ----------------------------------------------------------------------------------


def import_workbook(
    session: Session,
    engagement: Engagement,
    data: bytes,
    *,
    filename: str | None = None,
    user_id: int | None = None,
    dry_run: bool = True,
) -> ImportReport:
    """Read a workbook and import it into `engagement`; commit only when not a dry run and error-free.

    Owns the transaction (like bundle.import_bundle): it ends with a commit or a rollback, so the session
    must hold no pending work of the caller's. Never raises for bad input: everything wrong is in the
    report (`report.ok` is False)."""
    report = ImportReport(dry_run=dry_run, filename=filename)
    try:
        book = read_workbook(data, filename)
    except WorkbookError as exc:
        report.problems.extend(exc.problems)
        return report
    report.format = book.format
    report.problems.extend(book.problems)
    with holding_inserts(session):
        try:
            _run(ImportRun(session, engagement, book, user_id, report))
        except _Stop:
            pass
        except (IntegrityError, PendingRollbackError) as exc:  # a concurrent writer won a unique constraint
            session.rollback()
            report.problems.append(Problem(f"The database refused the import ({_first_line(exc)}); try again."))
        except BaseException:
            session.rollback()
            raise
        if dry_run or report.errors:
            session.rollback()
        else:
            session.commit()
            report.applied = True
    return report




# --- the import -----------------------------------------------------------------------------------


def _run(run: ImportRun) -> None:
    """Every sheet in dependency order (flushed sheet by sheet; a sheet's rows naming a scenario once its
    other rows are saved), then supersession, trace links and the counters; then every row's outcome into
    the report."""
    for sheet in IMPORT_ORDER:
        if sheet in run.book.sheets:
            run.report.sheets[sheet] = SheetResult()
            own, scenario_rows = split_rows(run.book.sheets[sheet])  # rows naming a scenario come after the rest
            SHEET_IMPORTERS[sheet](run, own)
            run.writer.flush_deferred(sheet)
            if scenario_rows:
                import_scenario_rows(run, own, scenario_rows)
    apply_supersedes(run)
    apply_links(run)
    update_counters(run)
    run.log.finish()
