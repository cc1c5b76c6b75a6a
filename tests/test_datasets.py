"""Captured datasets: validation row by row, all-or-nothing storage, versions, mapping, profiling."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.services.datasets import store as dataset_store
from app.services.datasets.kinds import KINDS, template_csv
from app.services.datasets.uploads import latest_version, list_datasets, load_frame, preview, upload_dataset
from app.services.datasets.validation import DatasetRejected
from app.services.errors import ValidationError
from models import Dataset, DatasetVersion
from tests.support.datasets import INVENTORY, LOCATIONS, erp, load_small_network


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_valid_upload_is_stored_as_version_one_with_its_profile(session, engagement, user):
    system = erp(session, engagement)
    upload = upload_dataset(session, engagement, "locations", LOCATIONS.encode(), "locations.csv", system=system,
                            user=user)
    version = upload.version
    assert (version.number, version.row_count, version.status, version.uploaded_by_id) == (1, 3, "ok", user.id)
    assert version.dataset.system_id == system.id and version.dataset.name == "Locations"
    assert version.storage_format == dataset_store.FORMAT and version.size_bytes == len(version.data)
    assert version.profile["breakdowns"]["type"] == [["store", 2], ["dc", 1]]
    frame = load_frame(session, version)
    assert frame.text("location_id").tolist() == ["DC1", "S1", "S2"]
    assert frame.bools("ship_from").tolist() == [True, True, False]


def test_a_dataset_with_a_bad_row_is_rejected_whole_naming_row_and_column_and_nothing_is_stored(session, engagement):
    system = erp(session, engagement)
    bad = LOCATIONS + "S3,Bad,kiosk,91,0,maybe,true\n"
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "locations", bad.encode(), "locations.csv", system=system)
    session.rollback()
    report = caught.value.report
    assert [(p.row, p.column) for p in report.problems] == [(5, "type"), (5, "latitude"), (5, "ship_from")]
    assert "locations.csv, row 5, column latitude" in caught.value.errors
    assert caught.value.errors["locations.csv, row 5, column latitude"] == ["91.0 is more than 90."]
    assert _count(session, Dataset) == 0 and _count(session, DatasetVersion) == 0


def test_references_must_exist_in_the_latest_locations_and_sku_location_pairs_must_be_unique(session, engagement):
    load_small_network(session, engagement)
    bad = INVENTORY + "C,NOWHERE,1,0,\nA,DC1,3,0,\n"
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "inventory", bad.encode(), "inv.csv", system="SAP ECC")
    messages = {(p.row, p.message) for p in caught.value.report.problems}
    assert (6, "Location 'NOWHERE' is not in the latest locations dataset.") in messages
    assert (7, "Duplicate sku + location_id: same as row 2.") in messages


def test_inventory_before_any_locations_is_rejected(session, engagement):
    erp(session, engagement)
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "inventory", INVENTORY.encode(), "inv.csv", system="SAP ECC")
    assert caught.value.report.counts["location_id: no locations dataset"] == 4


def test_reuploading_adds_a_version_and_keeps_the_old_one(session, engagement):
    versions = load_small_network(session, engagement)
    again = upload_dataset(session, engagement, "inventory", (INVENTORY + "C,S1,5,0,\n").encode(), "inv2.csv",
                           system="SAP ECC").version
    assert again.number == 2 and again.dataset_id == versions["inventory"].dataset_id
    assert latest_version(session, engagement.id, "inventory").id == again.id
    assert load_frame(session, versions["inventory"]).rows == 4 and load_frame(session, again).rows == 5
    assert [len(d.versions) for d in list_datasets(session, engagement.id)] == [1, 2, 1]


def test_headers_that_differ_are_mapped_and_missing_required_columns_are_reported(session, engagement):
    erp(session, engagement)
    client = "Store code;Store name;Format;Lat;Lng\nDC1;Daventry;dc;52.2;-1.1\n"
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "locations", client.encode(), "sites.csv", system="SAP ECC")
    assert caught.value.report.missing == ["location_id", "type", "latitude", "longitude"]
    mapping = {"Store code": "location_id", "Format": "type", "Lat": "latitude", "Lng": "longitude",
               "Store name": "name"}
    version = upload_dataset(session, engagement, "locations", client.encode(), "sites.csv", system="SAP ECC",
                             mapping=mapping).version
    assert version.column_mapping == {"location_id": "Store code", "name": "Store name", "type": "Format",
                                      "latitude": "Lat", "longitude": "Lng"}


def test_csv_with_a_byte_order_mark_is_read_and_invalid_utf8_names_its_line(session, engagement):
    erp(session, engagement)
    version = upload_dataset(session, engagement, "locations", b"\xef\xbb\xbf" + LOCATIONS.encode(), "l.csv",
                             system="SAP ECC").version
    assert version.row_count == 3
    broken = LOCATIONS.encode() + b"S9,Caf\xe9,store,1,1,,\n"
    with pytest.raises(ValidationError) as caught:
        upload_dataset(session, engagement, "locations", broken, "l.csv", system="SAP ECC")
    assert "line 5" in caught.value.errors["file"][0]


def test_a_file_over_the_size_limit_is_refused(session, engagement):
    erp(session, engagement)
    with pytest.raises(ValidationError) as caught:
        upload_dataset(session, engagement, "locations", LOCATIONS.encode(), "l.csv", system="SAP ECC", max_bytes=10)
    assert "limit is 10 bytes" in caught.value.errors["file"][0]


def _xlsx(rows, sheet="Locations") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_is_read_from_the_sheet_named_like_the_kind_and_formulas_are_never_evaluated(session, engagement):
    erp(session, engagement)
    header = ["location_id", "type", "latitude", "longitude", "daily_capacity"]
    data = _xlsx([header, ["DC1", "dc", 52.2, -1.1, 40], ["S1", "store", 51.5, -0.1, "=SUM(1,2)"]])
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "locations", data, "sites.xlsx", system="SAP ECC")
    [problem] = caught.value.report.problems
    assert (problem.sheet, problem.row, problem.column) == ("Locations", 3, "daily_capacity")
    assert "formula" in problem.message
    good = _xlsx([header, ["DC1", "dc", 52.2, -1.1, 40]])
    version = upload_dataset(session, engagement, "locations", good, "sites.xlsx", system="SAP ECC").version
    assert load_frame(session, version).ints("daily_capacity").tolist() == [40]


def test_types_are_checked_and_timestamps_with_offsets_are_read_as_utc(session, engagement):
    load_small_network(session, engagement)
    text = ("order_id,created_at,channel,fulfillment,pickup_location_id,sku,quantity\n"
            "X1,2025-03-03T10:00:00+01:00,web,ship,,A,1\n"
            "X2,yesterday,web,ship,,A,1.5\n"
            "X3,2025-03-03,web,pickup,,A,0\n")
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "orders", text.encode(), "o.csv", system="SAP ECC")
    problems = {(p.row, p.column): p.message for p in caught.value.report.problems}
    assert problems[(3, "created_at")].startswith("'yesterday' is not a datetime")
    assert problems[(3, "quantity")] == "'1.5' is not a whole number."
    assert problems[(4, "quantity")] == "0 is less than 1."
    assert problems[(4, "pickup_location_id")] == "A pickup line needs a pickup_location_id."
    fixed = text.replace("yesterday", "2025-03-03T09:00:00").replace(",1.5", ",2").replace("pickup,,A,0", "ship,,A,1")
    version = upload_dataset(session, engagement, "orders", fixed.encode(), "o.csv", system="SAP ECC").version
    times = load_frame(session, version).times("created_at")
    assert times[0] == np.datetime64("2025-03-03T09:00:00", "s").astype(np.int64)


def test_the_profile_flags_negative_stock_and_skus_ordered_but_missing_from_inventory(session, engagement):
    versions = load_small_network(session, engagement)
    findings = {f["code"]: f for f in versions["orders"].profile["findings"]}
    assert findings["sku_missing_from_inventory"]["examples"] == ["C"]
    assert versions["orders"].status == "warnings"
    assert versions["orders"].profile["date_range"]["days"] == 2
    negative = upload_dataset(session, engagement, "inventory", (INVENTORY + "C,S1,-2,0,\n").encode(), "i.csv",
                              system="SAP ECC").version
    assert {f["code"] for f in negative.profile["findings"]} >= {"negative_stock"}


def test_every_kind_has_a_template_whose_example_row_validates(session, engagement):
    load_small_network(session, engagement)
    for kind in ("locations", "inventory", "receipts"):
        text = template_csv(kind).replace("LON-OXF", "S1").replace("DAV-DC", "S1")
        version = upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system="SAP ECC",
                                 name=f"From template {kind}").version
        assert version.row_count == 1
        assert preview(load_frame(session, version))[0] == [c.name for c in KINDS[kind].columns]
