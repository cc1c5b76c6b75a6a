"""Analyses are computed once per engagement revision, and no write ever leaves a stale one to be served.

Each write test warms the cache, writes through a service (edit, delete, undo, revert, rule settings, a
scenario's own values, a workbook import, a raw statement), then compares every analysis output served with
a fresh computation that bypasses the cache.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.graph.model import build_graph
from app.services.analysis import cache
from app.services.analysis import scenario as analysis
from app.services.analysis.revision import UNRELATED_TABLES, _parent_columns
from app.services.catalog import elements, history
from app.services.catalog.scenario_values import save_in_scenario
from app.services.demo import load_demo
from app.services.scenarios import save_scenario
from app.services.workbook.importer import import_workbook
from models import Base, Change, DataFlow, Engagement, Scenario, System
from tests.support.workbooks import xlsx


@pytest.fixture
def demo(session, user):
    cache.configure(size=8)
    yield load_demo(session, owner=user)
    cache.configure()  # what create_app sets up by default, for the next test


def outputs(loaded: analysis.Analysis) -> dict:
    """Every analysis output a page, fragment, export or the report reads."""
    snap = loaded.snapshot
    return {
        "snapshot": (snap.scenario_name, snap.systems, snap.flows, snap.ownerships, snap.channels, snap.entities,
                     snap.requirements, snap.decisions, snap.links),
        "findings": loaded.findings(),
        "all rules": loaded.findings_all_rules(),
        "freshness": loaded.freshness(),
        "criteria": loaded.criteria(),
    }


def fresh(session: Session, engagement: Engagement, scenario: Scenario) -> dict:
    """The same outputs computed from the database now, without the cache."""
    return outputs(analysis.Analysis(engagement, scenario, build_graph(analysis.load_snapshot(session, scenario))))


def served(session: Session, engagement: Engagement, scenario: Scenario | None = None) -> dict:
    """The outputs as the pages get them (through the cache)."""
    return outputs(analysis.analyse(session, engagement, scenario))


def scenarios_of(session, engagement):
    return session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id)).all()


def assert_nothing_stale(session, engagement):
    for scenario in scenarios_of(session, engagement):
        assert served(session, engagement, scenario) == fresh(session, engagement, scenario), scenario.name


def warm(session, engagement):
    for scenario in scenarios_of(session, engagement):
        served(session, engagement, scenario)


def system(session, engagement, name):
    return session.scalar(select(System).where(System.engagement_id == engagement.id, System.name == name))


def test_a_second_request_is_served_the_results_of_the_first(session, demo):
    first = analysis.analyse(session, demo)
    first_findings = first.findings()
    again = analysis.analyse(session, demo)
    assert again.graph is first.graph
    assert again.findings() is first_findings
    assert cache.stats().hits >= 2


def test_an_edit_is_seen_by_every_analysis(session, demo):
    warm(session, demo)
    before = served(session, demo)
    elements.save_element(session, demo, "system", {"lifecycle": "retiring"}, system(session, demo, "Adyen"),
                          partial=True)
    assert served(session, demo) != before
    assert_nothing_stale(session, demo)


def test_a_delete_and_its_undo_are_each_seen(session, demo):
    warm(session, demo)
    original = served(session, demo)
    change = elements.delete_element(session, demo, system(session, demo, "MuleSoft Anypoint"))
    assert_nothing_stale(session, demo)
    assert served(session, demo) != original
    history.undo_delete(session, demo, change.id)
    assert_nothing_stale(session, demo)
    # The restored links get new ids (so the snapshot lists them in another order); the analyses are the same.
    assert served(session, demo)["findings"] == original["findings"]


def test_reverting_to_an_earlier_version_is_seen(session, demo):
    adyen = system(session, demo, "Adyen")
    created = session.scalar(select(Change).where(Change.element_id == adyen.id).order_by(Change.id))
    elements.save_element(session, demo, "system", {"lifecycle": "retiring"}, adyen, partial=True)
    warm(session, demo)
    history.revert(session, demo, created.id, version=adyen.version)
    assert_nothing_stale(session, demo)


def test_switching_a_rule_off_changes_the_findings_served(session, demo):
    warm(session, demo)
    analysis.set_rule(session, demo, "system.spof", enabled=False)
    assert not [f for f in served(session, demo)["findings"].findings if f.rule_id == "system.spof"]
    assert_nothing_stale(session, demo)


def test_an_edit_in_one_scenario_only_is_seen_there(session, demo):
    target = next(s for s in scenarios_of(session, demo) if not s.is_baseline)
    batch = next(f for f in analysis.analyse(session, demo, target).snapshot.flows if f.pattern != "event")
    warm(session, demo)
    save_in_scenario(session, demo, session.get(DataFlow, batch.id), target, {"pattern": "event"})
    assert served(session, demo, target)["snapshot"] != fresh(session, demo, analysis.find_scenario(session, demo))[
        "snapshot"]
    assert_nothing_stale(session, demo)


def test_a_workbook_import_is_seen(session, demo):
    warm(session, demo)
    before = session.scalar(select(Engagement.revision).where(Engagement.id == demo.id))
    report = import_workbook(session, demo, xlsx({"systems": [["name", "category"], ["Brand new ERP", "erp"]]}),
                             dry_run=False)
    assert report.ok
    assert session.scalar(select(Engagement.revision).where(Engagement.id == demo.id)) > before
    assert_nothing_stale(session, demo)


def test_a_bulk_statement_and_a_copied_scenario_bump_the_revision(session, demo):
    current = next(s for s in scenarios_of(session, demo) if s.is_baseline)
    warm(session, demo)
    copy = save_scenario(session, demo, "Copy of today", copy_from=current)
    adyen = system(session, demo, "Adyen")
    session.execute(update(System).where(System.id == adyen.id).values(lifecycle="retiring"))
    session.commit()
    assert served(session, demo, copy) == fresh(session, demo, copy)
    assert_nothing_stale(session, demo)


def test_an_uncommitted_write_is_never_cached_and_a_rollback_serves_the_committed_state(session, demo):
    committed = served(session, demo)
    mule = system(session, demo, "MuleSoft Anypoint")
    elements.save_element(session, demo, "system", {"lifecycle": "retiring"}, mule, partial=True, commit=False)
    during = served(session, demo)
    assert during == fresh(session, demo, analysis.find_scenario(session, demo))
    assert during != committed
    session.rollback()
    assert served(session, demo) == committed


def test_a_write_committed_by_another_session_is_seen(session, demo, engine):
    warm(session, demo)
    session.commit()
    with Session(engine) as other:
        elsewhere = other.get(Engagement, demo.id)
        elements.save_element(other, elsewhere, "system", {"lifecycle": "retiring"},
                              system(other, elsewhere, "Adyen"), partial=True)
    session.expire_all()
    assert_nothing_stale(session, demo)


class FakeRedis:
    """The two calls the shared level makes, on a dict (the stored values are real pickles)."""

    def __init__(self):
        self.data: dict[str, bytes] = {}

    def get(self, name):
        return self.data.get(name)

    def set(self, name, value, ex=None):
        assert ex and ex > 0
        self.data[name] = value


def test_workers_share_results_and_each_sees_the_others_writes(session, demo, engine):
    store = FakeRedis()
    cache.configure(size=8, store=store, ttl=60)
    first = served(session, demo)
    session.commit()
    cache.clear()  # a second worker: nothing in its own memory, the same shared store
    assert served(session, demo) == first
    assert cache.stats().shared_hits >= 1
    session.commit()
    with Session(engine) as other:
        elsewhere = other.get(Engagement, demo.id)
        elements.save_element(other, elsewhere, "system", {"lifecycle": "retiring"},
                              system(other, elsewhere, "Adyen"), partial=True)
    cache.clear()
    session.expire_all()
    assert_nothing_stale(session, demo)


def test_the_cache_keeps_a_bounded_number_of_scenarios():
    local = cache.LocalCache(2)
    for scenario_id in range(5):
        local.put((1, "t", scenario_id), 0, ("graph",), scenario_id)
    assert local.get((1, "t", 0), 0, ("graph",)) is cache.MISSING
    assert local.get((1, "t", 4), 0, ("graph",)) == 4
    local.put((1, "t", 4), 1, ("graph",), "newer")
    local.put((1, "t", 4), 0, ("graph",), "older, finished late")
    assert local.get((1, "t", 4), 1, ("graph",)) == "newer"


def test_a_shared_cache_without_the_redis_package_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__",
                        lambda name, *a, **kw: (_ for _ in ()).throw(ImportError(name)) if name == "redis"
                        else real_import(name, *a, **kw))
    with pytest.raises(RuntimeError, match="redis package"):
        cache.configure(url="redis://localhost:6379/0")
    cache.configure()


def test_every_table_is_traced_to_its_engagement_or_known_to_be_unrelated():
    for table in Base.metadata.tables.values():
        assert (table.name in UNRELATED_TABLES or table.name == "engagements" or "engagement_id" in table.c
                or _parent_columns(table)), f"{table.name}: a write to it would not bump any revision"


def revision_of(session, engagement):
    return session.scalar(select(Engagement.revision).where(Engagement.id == engagement.id))


def test_a_commit_moves_the_revision_once_and_a_rollback_not_at_all(session, demo):
    before = revision_of(session, demo)
    adyen = system(session, demo, "Adyen")
    elements.save_element(session, demo, "system", {"lifecycle": "retiring"}, adyen, partial=True, commit=False)
    session.rollback()
    assert revision_of(session, demo) == before
    elements.save_element(session, demo, "system", {"lifecycle": "retiring"}, adyen, partial=True, commit=False)
    elements.save_element(session, demo, "system", {"vendor": "Adyen N.V."}, adyen, partial=True)
    assert revision_of(session, demo) == before + 1
