"""Customer extracts (the `customers` dataset kind) and identity runs, through the services and the command line.

Options, review decisions, the extracts a scenario reads and progress; exports, findings and comparing runs are
in test_identity_results.py.
"""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.datasets.validation import DatasetRejected
from app.services.engines import identity as identity
from app.services.engines import identity_inputs as identity_inputs
from app.services.errors import ValidationError
from models import DatasetVersion, EngineRun
from tests.support.customers import POS, POS_MAPPING, WEB, load_customers, scenario_with
from tests.support.datasets import erp


def test_a_customer_extract_is_profiled_with_fill_rates_invalid_values_and_test_records(session, engagement):
    version = upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv",
                             system=erp(session, engagement, "Web shop", "ecommerce")).version
    profile = version.profile
    assert profile["columns"]["phone"]["fill_rate"] == 0.5 and profile["columns"]["email"]["fill_rate"] == 1.0
    codes = {f["code"]: f for f in profile["findings"]}
    assert codes["invalid_emails"]["count"] == 1 and codes["invalid_emails"]["examples"] == ["W4: ann@@lee"]
    assert codes["invalid_phones"]["count"] == 1
    assert codes["test_records"]["examples"] == ["W3"]
    assert version.status == "warnings"


def test_a_malformed_customer_upload_is_rejected_with_row_numbers_and_nothing_stored(session, engagement):
    erp(session, engagement, "Web shop", "ecommerce")
    text = "source_record_id,first_name\nW1,Ann\n,Bob\nW1,Cy\n"
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "customers", text.encode(), "bad.csv", system="Web shop")
    where = set(caught.value.errors)
    assert any("row 3" in w for w in where) and any("row 4" in w for w in where)
    assert session.scalar(select(DatasetVersion.id)) is None


def test_an_identity_run_is_stored_with_real_customers_overlap_and_quality(session, engagement):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    run = identity.run_identity(session, engagement, scenario, options={"threshold": 0.95, "probabilistic": False})
    assert run.status == "done", run.error
    m = run.metrics
    # William/Bill Jones (web + till, same phone), Sarah Jones (household email), Ann Lee (web, broken
    # email) and Ann Lee (till, twice: same email and loyalty id); the test record is not a customer.
    assert m["records"] == 7 and m["real_customers"] == 4
    assert m["overlap"]["by_count"] == {"1": 3, "2": 1}
    assert m["overlap"]["matrix"]["Web shop"]["Till"] == 1
    assert m["duplicate_rate"]["Till"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["quality"]["Web shop"]["test_records"] == 1 and m["quality"]["Web shop"]["invalid_email"] == 1
    assert run.parameters["options"] == {"threshold": 0.95, "probabilistic": False}
    assert set(run.dataset_versions) == {"Web customers", "Loyalty members"}
    golden = next(g for g in m["golden"] if "Till:P1" in g["records"])
    assert golden["phone"] == "+447911123456" and golden["first_name"] == "William"
    assert any(f.startswith("Customer data is mastered in 2 systems (Web shop, Till)") for f in m["findings"])
    assert session.scalar(select(EngineRun.kind).where(EngineRun.id == run.id)) == "identity"


def test_review_decisions_are_kept_and_applied_on_the_next_run(session, engagement):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    first = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    identity.decide(session, first, "Web shop:W1", "Till:P1", "reject")
    assert first.parameters["decisions"] == {"Till:P1|Web shop:W1": "reject"}
    second = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    assert second.parameters["decisions"] == {"Till:P1|Web shop:W1": "reject"}
    assert second.metrics["real_customers"] == 5
    with pytest.raises(Exception, match="decision|pair"):
        identity.decide(session, second, "Web shop:W1", "Nowhere:9", "accept")


def test_an_identity_run_needs_a_customer_extract_and_valid_options(session, engagement):
    scenario = find_scenario(session, engagement)
    with pytest.raises(Exception, match="customer"):
        identity.start_identity_run(session, engagement, scenario)
    load_customers(session, engagement)
    with pytest.raises(Exception, match="option"):
        identity.start_identity_run(session, engagement, scenario, options={"colour": "red"})
    with pytest.raises(Exception, match="survivorship"):
        identity.start_identity_run(session, engagement, scenario, options={"survivorship": {"email": "loud"}})


def test_identity_run_on_the_command_line(app, session, engagement, tmp_path):
    load_customers(session, engagement)
    session.commit()
    out = tmp_path / "golden.csv"
    result = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--threshold", "0.95",
                                                "--clusters", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["kind"] == "identity" and payload["real_customers"] == 4 and payload["records"] == 7
    assert payload["clusters_file"] == str(out) and out.read_bytes().startswith("\ufeff".encode())
    assert set(payload["overlap"]["matrix"]) == {"Web shop", "Till"}
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"probabilistic": False, "rules": ["loyalty_id"]}))
    text = app.test_cli_runner().invoke(args=["identity", "run", engagement.name, "--clusters", str(out),
                                              "--options", str(options)])
    assert text.exit_code == 0, text.output
    assert "real customers" in text.output and "duplicate rate" in text.output
    empty = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--threshold", "2"])
    assert empty.exit_code == 2


def test_on_the_demo_identity_resolution_finds_the_planted_duplicates(session, user):
    from app.services.demo import DATASETS, load_demo

    engagement = load_demo(session, owner=user)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement))
    assert run.status == "done", run.error
    with open(DATASETS / "customers_truth.csv", encoding="utf-8") as handle:
        person = {row["record"]: row["person"] for row in csv.DictReader(handle)}
    truth, found = set(), set()
    by_person: dict[str, list[str]] = {}
    for key, who in person.items():
        if int(who) >= 0:
            by_person.setdefault(who, []).append(key)
    for keys in by_person.values():
        keys.sort()
        truth.update((a, b) for i, a in enumerate(keys) for b in keys[i + 1:])
    for golden in run.metrics["golden"]:
        keys = sorted(golden["records"])
        found.update((a, b) for i, a in enumerate(keys) for b in keys[i + 1:])
    correct = len(found & truth)
    assert correct / len(found) >= 0.95 and correct / len(truth) >= 0.95
    assert run.metrics["quality"]["Salesforce Commerce Cloud"]["test_records"] == 1
    assert len(run.metrics["overlap"]["systems"]) == 3


def test_a_customer_extract_uploads_on_the_command_line(app, session, engagement, tmp_path):
    erp(session, engagement, "Till", "pos")
    session.commit()
    path = tmp_path / "pos.csv"
    path.write_text(POS)
    args = ["dataset", "upload", str(engagement.id), "customers", str(path), "--system", "Till"]
    for header, column in POS_MAPPING.items():
        args += ["--map", f"{header}={column}"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    session.commit()  # a new transaction: see what the command stored
    assert [v.row_count for v in identity_inputs.customer_versions(session, engagement)] == [3]


def test_a_scenario_reads_only_the_extracts_of_its_systems(session, engagement):
    load_customers(session, engagement)
    web_only = scenario_with(session, engagement, "Web only", "Web shop")
    run = identity.run_identity(session, engagement, web_only, options={"probabilistic": False})
    assert run.status == "done", run.error
    assert set(run.dataset_versions) == {"Web customers"}
    assert run.parameters["left_out"] == {"Loyalty members": "Till"}
    assert run.metrics["records"] == 4 and run.metrics["overlap"]["systems"] == ["Web shop"]
    everything = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                       options={"probabilistic": False})
    assert everything.metrics["records"] == 7 and everything.parameters["left_out"] == {}
    empty = scenario_with(session, engagement, "No customer systems")
    with pytest.raises(Exception, match="No customer extract of a system in No customer systems"):
        identity.start_identity_run(session, engagement, empty)


def _progress_seen_by_a_page(session) -> float:
    # What the run page shows: another session, reading what the run has committed so far.
    with Session(session.get_bind()) as other:
        return other.scalar(select(EngineRun.progress).where(EngineRun.kind == "identity"))


def test_progress_is_written_to_the_run_while_the_engine_works(session, engagement, monkeypatch):
    load_customers(session, engagement)
    real = identity_inputs.engine.resolve
    seen = []

    def resolve(records, options, progress=None):
        progress(0.5)
        seen.append(_progress_seen_by_a_page(session))
        return real(records, options)

    monkeypatch.setattr(identity, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(identity_inputs.engine, "resolve", resolve)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    assert seen == [pytest.approx(0.5)]
    assert run.status == "done" and run.progress == 1.0


def test_the_placeholder_limit_is_a_whole_number_of_two_or_more():
    assert identity_inputs.parse_options({"max_shared_identifier": "25"}).max_shared_identifier == 25
    for bad in ("many", 1):
        with pytest.raises(ValidationError):
            identity_inputs.parse_options({"max_shared_identifier": bad})


def test_the_engine_reports_its_stages_into_the_run_progress(session, engagement, monkeypatch):
    load_customers(session, engagement)
    run = identity.start_identity_run(session, engagement, find_scenario(session, engagement),
                                      options={"probabilistic": False})
    written = []
    real_writer = identity.progress_writer

    def writer(*args, **kwargs):
        progress = real_writer(*args, **kwargs)

        def spy(fraction):
            progress(fraction)
            written.append(_progress_seen_by_a_page(session))

        return spy

    monkeypatch.setattr(identity, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(identity, "progress_writer", writer)
    done = identity.execute_identity_run(session, run.id)
    inside = [p for p in written if 0.05 <= p <= 0.95]
    assert len(inside) >= 3 and inside == sorted(inside) and done.progress == 1.0


def test_the_command_line_says_which_extracts_a_scenario_leaves_out(app, session, engagement, tmp_path):
    load_customers(session, engagement)
    scenario_with(session, engagement, "Web only", "Web shop")
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"probabilistic": False}))
    result = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--scenario", "Web only",
                                                "--options", str(options), "--clusters", str(tmp_path / "g.csv")])
    assert result.exit_code == 0, result.output
    assert "left out (system not in Web only): Loyalty members (Till)" in result.output
    assert "finding (info): Customer data is mastered in 1 system (Web shop)" in result.output
