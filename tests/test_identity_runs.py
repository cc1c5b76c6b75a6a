"""Customer extracts (the `customers` dataset kind) and identity runs, through the services and the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.datasets.validation import DatasetRejected
from app.services.engines import identity as identity
from app.services.errors import ValidationError
from models import DatasetVersion, EngineRun
from tests.support.datasets import erp

WEB = """source_record_id,first_name,last_name,email,phone,postal_code,city,updated_at
W1,William,Jones,Jones.Family@Gmail.com,07911 123456,LS1 4AB,Leeds,2024-05-01
W2,Sarah,Jones,jones.family@gmail.com,,LS1 4AB,Leeds,2024-01-01
W3,Test,Test,test@example.com,,,,
W4,Ann,Lee,ann@@lee,12,,,
"""
POS = """Customer No,First,Surname,E-mail,Mobile,Loyalty
P1,Bill,Jones,,+44 7911 123456,L-1
P2,Ann,Lee,ann.lee@outlook.com,07700 900000,L-2
P3,Ann,Lee,ann.lee@outlook.com,,L-2
"""
POS_MAPPING = {"Customer No": "source_record_id", "First": "first_name", "Surname": "last_name",
               "E-mail": "email", "Mobile": "phone", "Loyalty": "loyalty_id"}


def load_customers(session, engagement):
    web = erp(session, engagement, "Web shop", "ecommerce")
    pos = erp(session, engagement, "Till", "pos")
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web, name="Web customers")
    upload_dataset(session, engagement, "customers", POS.encode(), "pos.csv", system=pos, name="Loyalty members",
                   mapping=POS_MAPPING)


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


def test_golden_records_export_as_formula_safe_csv_and_xlsx(session, engagement):
    web = erp(session, engagement, "Web shop", "ecommerce")
    text = "source_record_id,first_name,last_name,email\nW1,=HYPERLINK(\"x\"),Smith,a@b.co\n"
    upload_dataset(session, engagement, "customers", text.encode(), "web.csv", system=web)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    rows = list(csv.DictReader(io.StringIO(identity.export_csv(run).decode("utf-8-sig"))))
    assert rows[0]["first_name"].startswith("'=") and rows[0]["records"] == "Web shop:W1"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(identity.export_xlsx(run))).active
    assert sheet["D2"].data_type == "s" and str(sheet["D2"].value).startswith("'=")


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
    assert [v.row_count for v in identity.customer_versions(session, engagement)] == [3]


def _scenario_with(session, engagement, name, *system_names):
    """A scenario whose members are only the named systems."""
    from sqlalchemy import insert

    from app.services.scenarios import save_scenario
    from models import System, scenario_members

    scenario = save_scenario(session, engagement, name)
    for system_name in system_names:
        system = session.scalar(select(System).where(System.engagement_id == engagement.id,
                                                     System.name == system_name))
        session.execute(insert(scenario_members).values(scenario_id=scenario.id, element_id=system.id))
    session.commit()
    return scenario


def test_a_scenario_reads_only_the_extracts_of_its_systems(session, engagement):
    load_customers(session, engagement)
    web_only = _scenario_with(session, engagement, "Web only", "Web shop")
    run = identity.run_identity(session, engagement, web_only, options={"probabilistic": False})
    assert run.status == "done", run.error
    assert set(run.dataset_versions) == {"Web customers"}
    assert run.parameters["left_out"] == {"Loyalty members": "Till"}
    assert run.metrics["records"] == 4 and run.metrics["overlap"]["systems"] == ["Web shop"]
    everything = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                       options={"probabilistic": False})
    assert everything.metrics["records"] == 7 and everything.parameters["left_out"] == {}
    empty = _scenario_with(session, engagement, "No customer systems")
    with pytest.raises(Exception, match="No customer extract of a system in No customer systems"):
        identity.start_identity_run(session, engagement, empty)


def test_progress_is_written_to_the_run_while_the_engine_works(session, engagement, monkeypatch):
    load_customers(session, engagement)
    real = identity.engine.resolve
    seen = []

    def resolve(records, options, progress=None):
        progress(0.5)
        seen.append(session.scalar(select(EngineRun.progress).where(EngineRun.kind == "identity")))
        return real(records, options)

    monkeypatch.setattr(identity, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(identity.engine, "resolve", resolve)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    assert seen == [pytest.approx(0.5)]
    assert run.status == "done" and run.progress == 1.0


def _records_export(run, session=None):
    return list(csv.DictReader(io.StringIO(identity.export_csv(run, session, "records").decode("utf-8-sig"))))


def test_every_source_record_exports_with_its_customer_and_why(session, engagement):
    load_customers(session, engagement)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    rows = {r["record"]: r for r in _records_export(run, session)}
    assert len(rows) == run.metrics["records"] == 7
    assert list(next(iter(rows.values())))[:4] == ["customer", "system", "source_record_id", "record"]
    # Bill (till) and William (web) share a phone; the two till Ann Lees share an email and a loyalty id.
    assert rows["Till:P1"]["customer"] == rows["Web shop:W1"]["customer"] != ""
    assert rows["Till:P1"]["match"].startswith("same ") and rows["Till:P1"]["linked_to"] == "Web shop:W1"
    assert rows["Till:P1"]["probability"] == "1"
    assert rows["Till:P2"]["customer"] == rows["Till:P3"]["customer"]
    assert rows["Web shop:W3"]["customer"] == "" and rows["Web shop:W3"]["match"].startswith("test record")
    assert rows["Web shop:W4"]["match"] == "only record of this customer"
    golden = {str(g["customer"]): g for g in run.metrics["golden"]}
    assert rows["Till:P1"]["golden_first_name"] == golden[rows["Till:P1"]["customer"]]["first_name"] == "William"
    assert rows["Till:P1"]["system"] == "Till" and rows["Till:P1"]["source_record_id"] == "P1"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(identity.export_xlsx(run, session, "records"))).active
    assert sheet.title == "record_customers" and sheet.max_row == 8
    assert [c.value for c in sheet[1]][:3] == ["customer", "system", "source_record_id"]


def test_record_export_is_formula_safe(session, engagement):
    web = erp(session, engagement, "=Web", "ecommerce")
    text = "source_record_id,first_name,last_name,email\n@SUM(A1),=HYPERLINK(\"x\"),Smith,a@b.co\n"
    upload_dataset(session, engagement, "customers", text.encode(), "web.csv", system=web)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    row = _records_export(run, session)[0]
    assert row["system"].startswith("'=") and row["source_record_id"].startswith("'@")
    assert row["golden_first_name"].startswith("'=")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(identity.export_xlsx(run, session, "records"))).active
    assert all(sheet.cell(row=2, column=c).data_type == "s" for c in (2, 3, 8))


def test_a_large_run_exports_records_by_rerunning_its_snapshot(session, engagement, monkeypatch):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    stored = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    monkeypatch.setattr(identity, "MAX_STORED_RECORDS", 3)
    big = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    assert "members" in stored.metrics and "members" not in big.metrics
    identity.decide(session, big, "Web shop:W1", "Till:P1", "reject")  # applies from the next run only

    def shape(rows):
        return sorted((r["record"], r["customer"], r["match"]) for r in rows)

    assert shape(_records_export(big, session)) == shape(_records_export(stored, session))
    with pytest.raises(Exception, match="session"):
        identity.export_csv(big, None, "records")


def test_decisions_made_on_a_run_do_not_change_what_it_exports(session, engagement):
    load_customers(session, engagement)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    before = _records_export(run, session)
    identity.decide(session, run, "Web shop:W1", "Till:P1", "reject")
    assert identity.applied_decisions(run) == {} and len(run.parameters["decisions"]) == 1
    assert _records_export(run, session) == before


def test_two_runs_compare_sources_options_figures_and_findings(session, engagement):
    load_customers(session, engagement)
    web_only = _scenario_with(session, engagement, "Web only", "Web shop")
    a = identity.run_identity(session, engagement, find_scenario(session, engagement),
                              options={"probabilistic": False})
    b = identity.run_identity(session, engagement, web_only, options={"probabilistic": False, "threshold": 0.8,
                                                                    "rules": ["email"]})
    c = identity.compare_runs(a, b)
    assert c["figures"]["records"] == {"a": 7, "b": 4, "diff": -3, "same": False}
    assert c["figures"]["real_customers"]["a"] == 4
    assert c["sources"]["Loyalty members"] == {"a": a.dataset_versions["Loyalty members"], "b": None,
                                               "system": "Till"}
    assert c["sources_differ"] and c["left_out"] == {"a": [], "b": ["Loyalty members"]}
    assert {o["option"]: (o["a"], o["b"]) for o in c["options"]} == {
        "threshold": (0.9, 0.8), "rules": (["loyalty_id", "email", "phone"], ["email"])}
    assert c["matrix"]["Web shop"]["Till"] == {"a": 1, "b": None, "diff": None, "same": False}
    assert c["duplicate_rate"]["Till"]["b"] is None
    assert any(f["code"] == "overlap" for f in c["findings"]["a"])
    assert not any(f["code"] == "overlap" for f in c["findings"]["b"])
    same = identity.compare_runs(a, a)
    assert same["options"] == [] and not same["sources_differ"]
    pending = identity.start_identity_run(session, engagement, web_only)
    with pytest.raises(Exception, match="done"):
        identity.compare_runs(a, pending)


def _summary(**overrides):
    systems = ["Web", "POS", "CRM"]
    summary = {
        "records": 1000, "matched_records": 990, "real_customers": 800,
        "duplicate_rate": {"Web": 0.18, "POS": 0.06, "CRM": 0.0},
        "overlap": {"systems": systems, "by_count": {"1": 600, "2": 150, "3": 50},
                    "matrix": {"Web": {"Web": 500, "POS": 90, "CRM": 10},
                               "POS": {"Web": 90, "POS": 300, "CRM": 20},
                               "CRM": {"Web": 10, "POS": 20, "CRM": 200}}},
        "quality": {"Web": {"records": 600, "invalid_email": 60, "invalid_phone": 0, "test_records": 2,
                            "test_examples": ["W9", "W10"]},
                    "POS": {"records": 300, "invalid_email": 0, "invalid_phone": 3, "test_records": 0},
                    "CRM": {"records": 100, "invalid_email": 0, "invalid_phone": 0, "test_records": 0}},
    }
    summary.update(overrides)
    return summary


def test_identity_findings_are_computed_from_the_figures_with_a_severity():
    items = identity.finding_items(_summary())
    by_code = {}
    for f in items:
        by_code.setdefault(f["code"], []).append(f)
    assert by_code["mastered_in"][0]["severity"] == "high"
    assert by_code["mastered_in"][0]["text"].startswith("Customer data is mastered in 3 systems (Web, POS, CRM): "
                                                        "990 records describe 800 real customers; 25 %")
    assert [(f["systems"], f["severity"]) for f in by_code["duplicates"]] == [(["Web"], "high"), (["POS"], "medium")]
    assert "18 % of Web records duplicate another Web record." in [f["text"] for f in items]
    overlap = {tuple(f["systems"]): f["text"] for f in by_code["overlap"]}
    assert overlap[("POS", "Web")] == "30 % of POS customers are also in Web."
    assert ("Web", "CRM") not in overlap and ("CRM", "POS") in overlap  # 2 % of Web, 10 % of CRM
    assert [f["systems"] for f in by_code["invalid_email"]] == [["Web"]] and "invalid_phone" not in by_code
    assert by_code["test_records"][0]["severity"] == "info"
    assert [f["severity"] for f in items] == sorted((f["severity"] for f in items),
                                                    key=identity.SEVERITY_RANK.get)
    one = identity.finding_items(_summary(overlap={"systems": ["Web"], "by_count": {"1": 800},
                                                   "matrix": {"Web": {"Web": 800}}},
                                          duplicate_rate={"Web": 0.01}))
    mastered = next(f for f in one if f["code"] == "mastered_in")
    assert mastered["severity"] == "info" and mastered["text"].endswith("800 real customers.")
    assert [f["severity"] for f in one if f["code"] == "duplicates"] == ["info"]


def test_placeholder_contacts_are_a_finding_naming_the_values_set_aside():
    summary = _summary(placeholders={"email": [["store@northwind.com", 412]], "phone": [["+441234567890", 31]]})
    summary["quality"]["POS"]["shared_identifier"] = 443
    found = [f for f in identity.finding_items(summary) if f["code"] == "placeholders"]
    assert [(f["systems"], f["severity"]) for f in found] == [(["POS"], "medium")]
    assert found[0]["text"] == ("443 POS record(s) carry an email, phone or loyalty id shared by too many records to "
                                "be a person's (e.g. email 'store@northwind.com' (412 records), phone "
                                "'+441234567890' (31 records)); those values were set aside, not used to link "
                                "customers.")
    assert not [f for f in identity.finding_items(_summary()) if f["code"] == "placeholders"]  # older runs


def test_the_placeholder_limit_is_a_whole_number_of_two_or_more():
    assert identity.parse_options({"max_shared_identifier": "25"}).max_shared_identifier == 25
    for bad in ("many", 1):
        with pytest.raises(ValidationError):
            identity.parse_options({"max_shared_identifier": bad})


def test_records_and_golden_exports_on_the_command_line(app, session, engagement, tmp_path):
    load_customers(session, engagement)
    session.commit()
    records = tmp_path / "records.xlsx"
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"probabilistic": False}))
    result = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--clusters",
                                                str(tmp_path / "g.csv"), "--records-file", str(records), "--json",
                                                "--options", str(options)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["records_file"] == str(records) and payload["left_out"] == {}
    assert {f["code"] for f in payload["finding_items"]} >= {"mastered_in", "duplicates", "overlap"}
    from openpyxl import load_workbook

    assert load_workbook(records).active.max_row == 8
    out = tmp_path / "records.csv"
    done = app.test_cli_runner().invoke(args=["identity", "export", str(payload["run_id"]), "--what", "records",
                                              "-o", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["record"] for r in rows} >= {"Till:P1", "Web shop:W1"} and len(rows) == 7
    golden = tmp_path / "golden.xlsx"
    assert app.test_cli_runner().invoke(args=["identity", "export", str(payload["run_id"]), "-o",
                                              str(golden)]).exit_code == 0
    assert load_workbook(golden).active.title == "golden_records"
    missing = app.test_cli_runner().invoke(args=["identity", "export", "999999", "-o", str(out)])
    assert missing.exit_code != 0 and "No identity run" in missing.output


def test_the_engine_reports_its_stages_into_the_run_progress(session, engagement, monkeypatch):
    load_customers(session, engagement)
    run = identity.start_identity_run(session, engagement, find_scenario(session, engagement),
                                      options={"probabilistic": False})
    written = []
    commit = session.commit

    def spy():
        written.append(session.get(EngineRun, run.id).progress)
        commit()

    monkeypatch.setattr(identity, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(session, "commit", spy)
    identity.execute_identity_run(session, run.id)
    inside = [p for p in written if 0.05 <= p <= 0.95]
    assert len(inside) >= 3 and inside == sorted(inside) and written[-1] == 1.0


def test_the_command_line_says_which_extracts_a_scenario_leaves_out(app, session, engagement, tmp_path):
    load_customers(session, engagement)
    _scenario_with(session, engagement, "Web only", "Web shop")
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"probabilistic": False}))
    result = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--scenario", "Web only",
                                                "--options", str(options), "--clusters", str(tmp_path / "g.csv")])
    assert result.exit_code == 0, result.output
    assert "left out (system not in Web only): Loyalty members (Till)" in result.output
    assert "finding (info): Customer data is mastered in 1 system (Web shop)" in result.output
