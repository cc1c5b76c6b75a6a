"""One import run's shared state: the session and engagement, the parsed workbook, the rows waiting for
their links, and the collaborators that do the work (row log, engagement index, resolver, writer)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.catalog.fields import KINDS
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from app.services.workbook.index import EngagementIndex
from app.services.workbook.report import ImportReport, RowLog
from app.services.workbook.resolve import Resolver, _Skip
from app.services.workbook.saving import Writer
from exports.workbook import ParsedWorkbook, Row
from models import Decision, Element, Engagement, Scenario


class ImportRun:
    """What the sheet importers share; building it loads and indexes every object of the engagement."""

    def __init__(
        self,
        session: Session,
        engagement: Engagement,
        book: ParsedWorkbook,
        user_id: int | None,
        report: ImportReport,
    ) -> None:
        self.session = session
        self.engagement = engagement
        self.book = book
        self.user_id = user_id
        self.report = report
        self.dry_run = report.dry_run
        self.log = RowLog(report)
        self.index = EngagementIndex(session, engagement)
        self.resolver = Resolver(book, self.index)
        self.writer = Writer(session, engagement, user_id, self.dry_run, self.index.refs, self.log)
        self.resolver.create_scenario = self.create_scenario
        report.readings = self.resolver.readings  # the same dict: the report lists what the resolver noted
        self.pending_links: list[tuple[str, Row, Element, str]] = []
        self.pending_supersedes: list[tuple[Row, Decision, str]] = []

    def create_scenario(self, name: str, sheet: str, number: int) -> Scenario:
        """A scenario a cell names that is neither in the engagement nor on the scenarios sheet: created as a
        proposal (in a dry run too, and rolled back with it), and the report says so; ValueError when the name
        is not a valid scenario name."""
        try:
            saved = save_scenario(self.session, self.engagement, name, "", commit=False)
        except ValidationError as exc:
            messages = (m for ms in exc.errors.values() for m in ([ms] if isinstance(ms, str) else ms))
            raise ValueError(" ".join(messages)) from None
        self.index.by_name["scenario"][saved.name_key] = saved
        self.index.refs[Scenario][saved.id] = saved
        self.report.created_scenarios.append((saved.name, sheet, number))
        return saved

    def row(self, sheet: str, row: Row, kind: str, element: Element | None, skip=()) -> Element | None:
        """Payload + save for one row; None when it failed or was skipped."""
        try:
            payload, errors = self.resolver.payload(sheet, row, KINDS[kind], element is None, skip)
        except _Skip:
            return None
        if errors:
            self.log.field_errors(sheet, row, errors)
            return None
        return self.writer.save(sheet, row, kind, payload, element)
