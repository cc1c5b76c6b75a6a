"""The ownership matrix: entities × systems of one scenario, each cell the role a system plays for an entity in
that scenario (an ownership's role may be one the scenario holds of its own: scenario_values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.elements import delete_element, save_element
from app.services.catalog.scenario_view import in_view
from app.services.errors import ValidationError
from models import DataEntity, Engagement, Ownership, Scenario, ScenarioValue, System, scenario_members
from models.vocab import OWNERSHIP_ROLES

# Past this many systems, columns are the systems that own something (plus a chosen category).
ALL_COLUMNS_UP_TO = 40
# Columns per page: what fits a wide screen; the page weight then stays flat however large the landscape.
PAGE_SIZE = 40


class Cell(NamedTuple):
    """One ownership as the scenario sees it: the role a system plays for an entity there."""

    id: int
    system_id: int
    entity_id: int
    role: str


@dataclass
class OwnershipMatrix:
    """Rows are entities, columns systems; `cells[(entity_id, system_id)]` lists the ownerships (as `Cell`s)."""

    scenario: Scenario
    entities: list[DataEntity]
    systems: list[System]
    cells: dict[tuple[int, int], list[Cell]] = field(default_factory=dict)
    total_systems: int = 0
    offset: int = 0
    shown_systems: int = 0  # columns over all pages (the systems that own data, plus a chosen category)
    sor_counts: dict[int, int] = field(default_factory=dict)  # entity id -> systems of record on every page

    @property
    def next_offset(self) -> int | None:
        """Where the next page of columns starts (None on the last page)."""
        end = self.offset + len(self.systems)
        return end if end < self.shown_systems else None

    @property
    def prev_offset(self) -> int | None:
        """Where the previous page of columns starts (None on the first)."""
        return max(self.offset - PAGE_SIZE, 0) if self.offset > 0 else None

    def roles(self, entity_id: int, system_id: int) -> list[str]:
        """Role codes in one cell."""
        return [o.role for o in self.cells.get((entity_id, system_id), [])]

    def sor_count(self, entity_id: int) -> int:
        """How many systems are system of record for the entity in this scenario (on any page)."""
        return self.sor_counts.get(entity_id, 0)

    def problem(self, entity_id: int) -> str | None:
        """'No system of record' or 'N systems of record' when the entity does not have exactly one."""
        count = self.sor_count(entity_id)
        if count == 1:
            return None
        return "No system of record" if count == 0 else f"{count} systems of record"


def _members(scenario_id: int):
    return select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id)


def build(
    session: Session, engagement: Engagement, scenario: Scenario, category: str = "", offset: int = 0,
    every_column: bool = False,
) -> OwnershipMatrix:
    """Load one page of the matrix for one scenario in a few queries: `PAGE_SIZE` columns from `offset` (clamped),
    or every column (the client report); large landscapes show only relevant columns."""
    entities = list(
        session.scalars(
            select(DataEntity).where(DataEntity.engagement_id == engagement.id).order_by(DataEntity.name_key)
        )
    )
    ownerships = _cells(session, engagement, scenario)
    # Every column as (id, category), in the page's order, from one query of two columns; the counts, the
    # relevant columns and the page are worked out here, and only the page's systems are loaded as objects.
    columns = session.execute(
        select(System.id, System.category)
        .join(scenario_members, scenario_members.c.element_id == System.id)
        .where(scenario_members.c.scenario_id == scenario.id, System.engagement_id == engagement.id)
        .order_by(System.category, System.name_key, System.id)
    ).all()
    total = len(columns)
    if total > ALL_COLUMNS_UP_TO:
        owning = {o.system_id for o in ownerships}
        columns = [(i, c) for i, c in columns if i in owning or (category and c == category)]
    shown = len(columns)
    offset = min(max(offset, 0), max(shown - 1, 0))
    page_ids = [i for i, _category in (columns if every_column else columns[offset : offset + PAGE_SIZE])]
    loaded = {s.id: s for s in session.scalars(select(System).where(System.id.in_(page_ids)))} if page_ids else {}
    systems = [loaded[i] for i in page_ids]
    matrix = OwnershipMatrix(scenario, entities, systems, total_systems=total, offset=offset, shown_systems=shown)
    on_page = {s.id for s in systems}
    for own in ownerships:
        if own.role == "sor":
            matrix.sor_counts[own.entity_id] = matrix.sor_counts.get(own.entity_id, 0) + 1
        if own.system_id in on_page:
            matrix.cells.setdefault((own.entity_id, own.system_id), []).append(own)
    return matrix


def _cells(session: Session, engagement: Engagement, scenario: Scenario) -> list[Cell]:
    """Every ownership of the scenario as plain columns, its role as the scenario holds it (two queries).

    Only the role varies per scenario (fields.py), so reading four columns and the scenario's own roles gives what
    loading and wrapping every ownership object did, at a fraction of the cost on a large landscape."""
    of_engagement = Ownership.engagement_id == engagement.id
    own_roles = {
        element_id: values["role"]
        for element_id, values in session.execute(
            select(ScenarioValue.element_id, ScenarioValue.values).where(
                ScenarioValue.scenario_id == scenario.id,
                ScenarioValue.element_id.in_(select(Ownership.id).where(of_engagement)),
            )
        )
        if values and "role" in values
    }
    rows = session.execute(
        select(Ownership.id, Ownership.system_id, Ownership.entity_id, Ownership.role)
        .join(scenario_members, scenario_members.c.element_id == Ownership.id)
        .where(scenario_members.c.scenario_id == scenario.id, of_engagement)
        .order_by(Ownership.id)
    )
    return [Cell(i, system_id, entity_id, own_roles.get(i, role)) for i, system_id, entity_id, role in rows]


def set_cell(
    session: Session,
    engagement: Engagement,
    scenario: Scenario,
    system_id: int,
    entity_id: int,
    role: str,
    *,
    user_id: int | None = None,
) -> None:
    """Make `role` the one role of a system for an entity in this scenario ('' clears the cell).

    Ownerships are shared between scenarios, so a change here never alters another scenario: the old
    ownership leaves this scenario (and is deleted when no scenario is left) and the new role joins it."""
    if role and role not in OWNERSHIP_ROLES:
        raise ValidationError({"role": f"Must be one of: {', '.join(OWNERSHIP_ROLES)}."})
    system = session.scalar(
        select(System).where(
            System.id == system_id, System.engagement_id == engagement.id, System.id.in_(_members(scenario.id))
        )
    )
    entity = session.scalar(
        select(DataEntity).where(DataEntity.id == entity_id, DataEntity.engagement_id == engagement.id)
    )
    if system is None or entity is None:
        raise ValidationError({"cell": "Unknown system or entity in this scenario."})
    current = in_view(session, list(session.scalars(
        select(Ownership).where(
            Ownership.system_id == system.id, Ownership.entity_id == entity.id, Ownership.id.in_(_members(scenario.id))
        )
    )), scenario)  # the roles as this scenario holds them
    if [o.role for o in current] == ([role] if role else []):
        return
    for shown in current:
        own = getattr(shown, "element", shown)
        remaining = [s.id for s in own.scenarios if s.id != scenario.id]
        if remaining:
            save_element(
                session,
                engagement,
                "ownership",
                {"scenario_ids": remaining},
                own,
                partial=True,
                user_id=user_id,
                commit=False,
            )
        else:
            delete_element(session, engagement, own, user_id=user_id, commit=False)
    if role:
        existing = session.scalar(
            select(Ownership).where(
                Ownership.system_id == system.id, Ownership.entity_id == entity.id, Ownership.role == role
            )
        )
        if existing is None:
            save_element(
                session,
                engagement,
                "ownership",
                {"system_id": system.id, "entity_id": entity.id, "role": role, "scenario_ids": [scenario.id]},
                user_id=user_id,
                commit=False,
            )
        else:
            ids = [s.id for s in existing.scenarios] + [scenario.id]
            save_element(
                session,
                engagement,
                "ownership",
                {"scenario_ids": ids},
                existing,
                partial=True,
                user_id=user_id,
                commit=False,
            )
            _drop_own_role(session, scenario, existing)
    session.commit()


def _drop_own_role(session: Session, scenario: Scenario, ownership: Ownership) -> None:
    """An ownership (re)joining a scenario plays its shared role there: forget a role the scenario kept of its own
    from an earlier time it held it."""
    row = session.get(ScenarioValue, (scenario.id, ownership.id))
    if row is not None and "role" in row.values:
        row.values = {k: v for k, v in row.values.items() if k != "role"}
        row.version += 1
