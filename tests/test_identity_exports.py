"""Identity exports stay exact: system and source record id in their own columns whatever they hold (":", "|",
";", a leading "=", "-" or "+"), lists in one cell that split back, phone numbers as plain text and birth dates
as dates in XLSX, and review decisions on records whose keys hold "|" (old stored runs still read)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from openpyxl import load_workbook

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.engines import identity as identity
from app.services.engines import identity_exports as identity_exports
from app.services.engines import identity_inputs as identity_inputs
from exports.workbook.cells import restore
from tests.support.datasets import erp

# Each system holds Maria Rossi (one person, same email) and one person of its own; record ids hold separators.
SYSTEMS = {
    "EU:Shop": "EU:1", "Till|North": "T|1", "CRM; Service": "C;1", "=Loyalty": "=SUM(1)", "-Call centre": "-7",
    "+App": "+44",
}


def _extract(source_id: str, n: int) -> bytes:
    return ("source_record_id,first_name,last_name,email,phone,birth_date\n"
            f"\"{source_id}\",Maria,Rossi,maria.rossi@posteo.de,+44 7911 123456,12/03/1985\n"
            f"\"{source_id}:b\",Person{n},Own{n},own{n}@web.de,,\n").encode()


def _run(session, engagement):
    for n, (name, source_id) in enumerate(SYSTEMS.items()):
        system = erp(session, engagement, name, "crm")
        upload_dataset(session, engagement, "customers", _extract(source_id, n), "c.csv", system=system)
    return identity.run_identity(session, engagement, find_scenario(session, engagement),
                                 options={"probabilistic": False})


def _expected_records():
    return {(s, i) for s, first in SYSTEMS.items() for i in (first, f"{first}:b")}


def _sheet(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data)).active
    heads = [c.value for c in sheet[1]]
    return [dict(zip(heads, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_records_export_gives_each_records_system_and_id_exactly_in_xlsx_and_csv(session, engagement):
    run = _run(session, engagement)
    rows = _sheet(identity_exports.export_xlsx(run, session, "records"))
    assert {(r["system"].value, r["source_record_id"].value) for r in rows} == _expected_records()
    assert all(r[c].data_type == "s" for r in rows for c in ("system", "source_record_id"))
    marias = [r for r in rows if r["golden_last_name"].value == "Rossi"]
    assert len({r["customer"].value for r in marias}) == 1 and len(marias) == len(SYSTEMS)
    linked = {(r["linked_to_system"].value, r["linked_to_source_record_id"].value) for r in marias}
    assert linked <= _expected_records()
    # the CSV guards formula signs with a leading "'", which an import strips back
    text_rows = _csv(identity_exports.export_csv(run, session, "records"))
    assert {(restore(r["system"]), restore(r["source_record_id"])) for r in text_rows} == _expected_records()
    assert any(r["system"] == "'=Loyalty" for r in text_rows)


def test_an_old_run_without_separate_columns_is_split_by_its_own_system_names(session, engagement):
    run = _run(session, engagement)
    metrics = dict(run.metrics)
    metrics["members"] = [m[:5] for m in metrics["members"]]  # as stored before system and id were kept
    run.metrics = metrics
    session.commit()
    rows = _sheet(identity_exports.export_xlsx(run, session, "records"))
    assert {(r["system"].value, r["source_record_id"].value) for r in rows} == _expected_records()
    assert identity_exports.split_key("EU:Shop:EU:1", ["EU", "EU:Shop"]) == ("EU:Shop", "EU:1")
    assert identity_exports.split_key("Gone:7", []) == ("Gone", "7")


def test_a_customers_systems_and_records_in_one_golden_cell_split_back_exactly(session, engagement):
    run = _run(session, engagement)
    rows = _sheet(identity_exports.export_xlsx(run, session, "golden"))
    maria = next(r for r in rows if r["last_name"].value == "Rossi")
    golden = next(g for g in run.metrics["golden"] if g["last_name"] == "Rossi")

    def split(cell: str) -> list[str]:
        return next(csv.reader([cell], delimiter=";", skipinitialspace=True))

    assert split(maria["systems"].value) == golden["systems"] and len(golden["systems"]) == len(SYSTEMS)
    assert split(maria["records"].value) == golden["records"]
    assert identity_exports.join_list(['a "b"; c', "d"]) == '"a ""b""; c"; d'


def test_phones_are_plain_text_and_birth_dates_are_dates_in_xlsx_while_the_csv_keeps_its_guard(session, engagement):
    run = _run(session, engagement)
    golden = next(r for r in _sheet(identity_exports.export_xlsx(run, session, "golden"))
                  if r["last_name"].value == "Rossi")
    assert golden["phone"].data_type == "s" and golden["phone"].value.startswith("+44")
    assert golden["birth_date"].is_date and golden["birth_date"].value == dt.datetime(1985, 3, 12)
    record = next(r for r in _sheet(identity_exports.export_xlsx(run, session, "records"))
                  if r["golden_last_name"].value == "Rossi")
    assert record["golden_phone"].value == golden["phone"].value and record["golden_phone"].data_type == "s"
    assert record["golden_birth_date"].value == dt.datetime(1985, 3, 12)
    text = next(r for r in _csv(identity_exports.export_csv(run, session, "golden")) if r["last_name"] == "Rossi")
    assert text["phone"] == "'" + golden["phone"].value and text["birth_date"] == "1985-03-12"


def test_a_birth_date_that_is_not_a_date_stays_text(session, engagement):
    system = erp(session, engagement, "Web shop", "ecommerce")
    upload_dataset(session, engagement, "customers",
                   b"source_record_id,first_name,last_name,birth_date\nW1,Ann,Lee,someday\n", "w.csv", system=system)
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    row = _sheet(identity_exports.export_xlsx(run, session, "golden"))[0]
    assert row["birth_date"].value in (None, "someday") and not row["birth_date"].is_date


def test_decisions_on_records_whose_keys_hold_a_bar_are_kept_applied_and_undone(session, engagement):
    run = _run(session, engagement)
    left, right = "Till|North:T|1", "EU:Shop:EU:1"
    identity.decide(session, run, left, right, "reject")
    key = identity_inputs.pair_key(left, right)
    assert run.parameters["decisions"] == {key: "reject"} and key.startswith("[")
    assert identity_inputs.key_pairs(key) == [tuple(sorted((left, right)))]
    assert identity.pair_decision(run, right, left) == "reject"
    following = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                      options={"probabilistic": False})
    customer = {r["record"].value: r["customer"].value
                for r in _sheet(identity_exports.export_xlsx(following, session, "records"))}
    assert customer[left] != customer[right]
    identity.decide(session, following, left, right, "undo")
    assert following.parameters["decisions"] == {}


def test_an_old_bar_joined_decision_key_still_applies_to_the_records_it_named(session, engagement):
    run = _run(session, engagement)
    left, right = "EU:Shop:EU:1", "Till|North:T|1"
    run.parameters = {**run.parameters, "decisions": {f"{left}|{right}": "reject"}}  # as stored before
    session.commit()
    assert identity.pair_decision(run, left, right) == "reject"
    following = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                      options={"probabilistic": False})
    customer = {r["record"].value: r["customer"].value
                for r in _sheet(identity_exports.export_xlsx(following, session, "records"))}
    assert customer[left] != customer[right]
    identity.decide(session, following, right, left, "accept")  # replaces the old key, not a second one
    assert following.parameters["decisions"] == {identity_inputs.pair_key(left, right): "accept"}


def test_plain_keys_keep_the_readable_bar_form():
    assert identity_inputs.pair_key("Web:2", "Till:1") == "Till:1|Web:2"
    assert identity_inputs.key_pairs("Till:1|Web:2") == [("Till:1", "Web:2")]
    assert identity_inputs.key_pairs("[not json") == []  # no pair of records: nothing applies


def test_the_run_page_lists_the_extracts_read_with_their_versions(browser, session, engagement):
    run = _run(session, engagement)
    page = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}").get_data(as_text=True)
    assert "EU:Shop</a> <a" in page and "v1</a> from EU:Shop (2 records)" in page
    assert "CRM; Service" in page and "/datasets/versions/" in page


def test_the_command_line_and_the_report_list_the_extracts_a_run_read(app, session, engagement, tmp_path):
    from app.services.reports.engines import engine_results

    run = _run(session, engagement)
    [section] = engine_results(session, engagement, [run.id])
    assert section.notes[0].startswith("Extracts read: EU:Shop v1 from EU:Shop (2 records); Till|North v1")
    result = app.test_cli_runner().invoke(args=["identity", "run", str(engagement.id), "--json",
                                                "--clusters", str(tmp_path / "g.csv")])
    assert result.exit_code == 0, result.output
    read = json.loads(result.output)["read"]
    assert [(r["dataset"], r["version"], r["system"], r["rows"]) for r in read] == [
        (name, 1, name, 2) for name in SYSTEMS]
