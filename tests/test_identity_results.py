"""Identity run results, through the services and the command line: exports, findings and two runs compared.

Golden-record and record->customer exports (CSV, XLSX, formula-safe, re-run when not stored), findings computed
from a run's figures, and the comparison of two runs.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.engines import identity as identity
from app.services.engines import identity_compare as identity_compare
from app.services.engines import identity_exports as identity_exports
from app.services.engines import identity_inputs as identity_inputs
from app.services.engines import identity_results as identity_results
from tests.support.customers import load_customers, scenario_with
from tests.support.datasets import erp


def test_golden_records_export_as_formula_safe_csv_and_xlsx(session, engagement):
    web = erp(session, engagement, "Web shop", "ecommerce")
    text = "source_record_id,first_name,last_name,email\nW1,=HYPERLINK(\"x\"),Smith,a@b.co\n"
    upload_dataset(session, engagement, "customers", text.encode(), "web.csv", system=web)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    rows = list(csv.DictReader(io.StringIO(identity_exports.export_csv(run).decode("utf-8-sig"))))
    assert rows[0]["first_name"].startswith("'=") and rows[0]["records"] == "Web shop:W1"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(identity_exports.export_xlsx(run))).active
    # a string cell never runs as a formula: the XLSX keeps the text exactly as given
    assert sheet["D2"].data_type == "s" and sheet["D2"].value == '=HYPERLINK("x")'



def _records_export(run, session=None):
    return list(csv.DictReader(io.StringIO(identity_exports.export_csv(run, session, "records").decode("utf-8-sig"))))


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

    sheet = load_workbook(io.BytesIO(identity_exports.export_xlsx(run, session, "records"))).active
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

    sheet = load_workbook(io.BytesIO(identity_exports.export_xlsx(run, session, "records"))).active
    cells = {head.value: cell for head, cell in zip(sheet[1], sheet[2], strict=True)}
    assert all(cells[c].data_type == "s" for c in ("system", "source_record_id", "golden_first_name"))
    assert (cells["system"].value, cells["source_record_id"].value) == ("=Web", "@SUM(A1)")
    assert cells["golden_first_name"].value == '=HYPERLINK("x")'


def test_a_large_run_exports_records_by_rerunning_its_snapshot(session, engagement, monkeypatch):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    stored = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    monkeypatch.setattr(identity_results, "MAX_STORED_RECORDS", 3)
    big = identity.run_identity(session, engagement, scenario, options={"probabilistic": False})
    assert "members" in stored.metrics and "members" not in big.metrics
    identity.decide(session, big, "Web shop:W1", "Till:P1", "reject")  # applies from the next run only

    def shape(rows):
        return sorted((r["record"], r["customer"], r["match"]) for r in rows)

    assert shape(_records_export(big, session)) == shape(_records_export(stored, session))
    with pytest.raises(Exception, match="session"):
        identity_exports.export_csv(big, None, "records")


def test_decisions_made_on_a_run_do_not_change_what_it_exports(session, engagement):
    load_customers(session, engagement)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    before = _records_export(run, session)
    identity.decide(session, run, "Web shop:W1", "Till:P1", "reject")
    assert identity_inputs.applied_decisions(run) == {} and len(run.parameters["decisions"]) == 1
    assert _records_export(run, session) == before


def test_two_runs_compare_sources_options_figures_and_findings(session, engagement):
    load_customers(session, engagement)
    web_only = scenario_with(session, engagement, "Web only", "Web shop")
    a = identity.run_identity(session, engagement, find_scenario(session, engagement),
                              options={"probabilistic": False})
    b = identity.run_identity(session, engagement, web_only, options={"probabilistic": False, "threshold": 0.8,
                                                                    "rules": ["email"]})
    c = identity_compare.compare_runs(a, b)
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
    same = identity_compare.compare_runs(a, a)
    assert same["options"] == [] and not same["sources_differ"]
    pending = identity.start_identity_run(session, engagement, web_only)
    with pytest.raises(Exception, match="done"):
        identity_compare.compare_runs(a, pending)


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
    items = identity_results.finding_items(_summary())
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
                                                    key=identity_results.SEVERITY_RANK.get)
    one = identity_results.finding_items(_summary(overlap={"systems": ["Web"], "by_count": {"1": 800},
                                                           "matrix": {"Web": {"Web": 800}}},
                                                  duplicate_rate={"Web": 0.01}))
    mastered = next(f for f in one if f["code"] == "mastered_in")
    assert mastered["severity"] == "info" and mastered["text"].endswith("800 real customers.")
    assert [f["severity"] for f in one if f["code"] == "duplicates"] == ["info"]


def test_placeholder_contacts_are_a_finding_naming_the_values_set_aside():
    summary = _summary(placeholders={"email": [["store@northwind.com", 412]], "phone": [["+441234567890", 31]]})
    summary["quality"]["POS"]["shared_identifier"] = 443
    found = [f for f in identity_results.finding_items(summary) if f["code"] == "placeholders"]
    assert [(f["systems"], f["severity"]) for f in found] == [(["POS"], "medium")]
    assert found[0]["text"] == ("443 POS record(s) carry an email, phone or loyalty id shared by too many records to "
                                "be a person's (e.g. email 'store@northwind.com' (412 records), phone "
                                "'+441234567890' (31 records)); those values were set aside, not used to link "
                                "customers.")
    assert not [f for f in identity_results.finding_items(_summary()) if f["code"] == "placeholders"]  # older runs


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


def test_a_held_rule_pair_inside_a_customer_is_not_what_joined_its_records():
    from app.engines import identity as engine

    result = engine.resolve([{"system": "S", "source_record_id": str(n), "first_name": "Ann", "last_name": "Lee"}
                             for n in range(3)], engine.Options(probabilistic=False))
    # record 0 shares an email with 1 but the pair was held; it joined through its model link to 2
    result.pairs = [engine.Pair(0, 1, 1.0, float("inf"), "email", (), held="conflict: review before merging"),
                    engine.Pair(0, 2, 0.95, 4.3), engine.Pair(1, 2, 0.99, 6.6)]
    result.cluster_of, result.clusters = [0, 0, 0], [[0, 1, 2]]
    first = identity_results.memberships(result)[0]
    assert (first["match"], first["linked_to"], first["probability"]) == ("model", "S:2", 0.95)
