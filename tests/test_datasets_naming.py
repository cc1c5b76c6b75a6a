"""Which dataset an upload versions: one customers dataset per source system by default, never another
system's dataset, through the service, the command line and the datasets page."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import list_datasets, upload_dataset
from app.services.engines import identity as identity
from app.services.errors import ValidationError
from models import Dataset, DatasetVersion
from tests.support.customers import POS, POS_MAPPING, WEB
from tests.support.datasets import INVENTORY, LOCATIONS, erp

ODD_NAMES = ("EU:Shop", "Till|North", "CRM; Service", "=Loyalty", "-Call centre", "+App")
CRM = """source_record_id,first_name,last_name,email
C1,Maria,Rossi,maria.rossi@example.org
C2,Tom,Berg,tom.berg@example.net
"""


def _datasets(session, engagement, kind="customers"):
    return {d.name: (d.system.name if d.system else None, [v.number for v in d.versions])
            for d in list_datasets(session, engagement.id) if d.kind == kind}


def test_customer_extracts_of_three_systems_without_names_become_three_datasets_read_by_one_run(session, engagement):
    web, pos, crm = (erp(session, engagement, n, c) for n, c in (("Web shop", "ecommerce"), ("Till", "pos"),
                                                                  ("CRM", "crm")))
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web)
    upload_dataset(session, engagement, "customers", POS.encode(), "pos.csv", system=pos, mapping=POS_MAPPING)
    upload_dataset(session, engagement, "customers", CRM.encode(), "crm.csv", system=crm)
    assert _datasets(session, engagement) == {"Web shop": ("Web shop", [1]), "Till": ("Till", [1]),
                                              "CRM": ("CRM", [1])}
    run = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                options={"probabilistic": False})
    assert run.metrics["records"] == 4 + 3 + 2
    read = identity.datasets_read(run)
    assert [(r["dataset"], r["version"], r["system"], r["rows"]) for r in read] == [
        ("Web shop", 1, "Web shop", 4), ("Till", 1, "Till", 3), ("CRM", 1, "CRM", 2)]
    assert identity.read_label(read[0]) == "Web shop v1 from Web shop (4 records)"


def test_a_second_extract_of_a_system_versions_that_systems_dataset_only(session, engagement):
    web, crm = erp(session, engagement, "Web shop", "ecommerce"), erp(session, engagement, "CRM", "crm")
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web)
    upload_dataset(session, engagement, "customers", CRM.encode(), "crm.csv", system=crm)
    again = upload_dataset(session, engagement, "customers", WEB.encode(), "web-april.csv", system=web).version
    assert (again.dataset.name, again.number) == ("Web shop", 2)
    assert _datasets(session, engagement) == {"Web shop": ("Web shop", [1, 2]), "CRM": ("CRM", [1])}


def test_a_dataset_named_before_keeps_its_name_and_gets_the_systems_next_extract(session, engagement):
    till = erp(session, engagement, "Till", "pos")
    upload_dataset(session, engagement, "customers", POS.encode(), "pos.csv", system=till, name="Loyalty members",
                   mapping=POS_MAPPING)
    version = upload_dataset(session, engagement, "customers", POS.encode(), "pos.csv", system=till,
                             mapping=POS_MAPPING).version
    assert (version.dataset.name, version.number) == ("Loyalty members", 2)


def test_naming_another_systems_dataset_is_refused_and_stores_nothing(session, engagement):
    web, crm = erp(session, engagement, "Web shop", "ecommerce"), erp(session, engagement, "CRM", "crm")
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web, name="Customers")
    with pytest.raises(ValidationError) as caught:
        upload_dataset(session, engagement, "customers", CRM.encode(), "crm.csv", system=crm, name="customers")
    assert "holds extracts of Web shop, not CRM" in caught.value.errors["name"][0]
    session.rollback()
    assert _datasets(session, engagement) == {"Customers": ("Web shop", [1])}


def test_a_system_with_several_hand_named_datasets_must_say_which_one(session, engagement):
    web = erp(session, engagement, "Web shop", "ecommerce")
    for name in ("Shop EU", "Shop UK"):
        upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web, name=name)
    with pytest.raises(ValidationError, match="Web shop has 2 customers datasets"):
        upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 2


def test_a_customers_dataset_takes_the_kind_and_system_when_the_systems_name_is_another_systems_dataset(
        session, engagement):
    web, crm = erp(session, engagement, "Web shop", "ecommerce"), erp(session, engagement, "CRM", "crm")
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web, name="CRM")
    version = upload_dataset(session, engagement, "customers", CRM.encode(), "crm.csv", system=crm).version
    assert version.dataset.name == "Customers (CRM)" and version.dataset.system_id == crm.id


def test_other_kinds_keep_the_kind_as_name_and_add_the_system_only_when_another_system_holds_it(
        session, engagement):
    erp_system, wms = erp(session, engagement), erp(session, engagement, "WMS", "wms")
    upload_dataset(session, engagement, "locations", LOCATIONS.encode(), "l.csv", system=erp_system)
    upload_dataset(session, engagement, "inventory", INVENTORY.encode(), "i.csv", system=erp_system)
    upload_dataset(session, engagement, "inventory", INVENTORY.encode(), "i.csv", system=wms)
    upload_dataset(session, engagement, "inventory", INVENTORY.encode(), "i.csv", system=erp_system)
    assert _datasets(session, engagement, "locations") == {"Locations": ("SAP ECC", [1])}
    assert _datasets(session, engagement, "inventory") == {"Inventory": ("SAP ECC", [1, 2]),
                                                           "Inventory (WMS)": ("WMS", [1])}


@pytest.mark.parametrize("system_name", ODD_NAMES)
def test_a_system_name_with_separators_or_formula_signs_names_its_dataset_exactly(session, engagement, system_name):
    system = erp(session, engagement, system_name, "crm")
    version = upload_dataset(session, engagement, "customers", CRM.encode(), "crm.csv", system=system).version
    assert version.dataset.name == system_name


def test_the_command_line_uploads_each_systems_extract_into_its_own_dataset(app, session, engagement, tmp_path):
    for name in ("Web shop", "EU:Shop"):
        erp(session, engagement, name, "ecommerce")
    session.commit()
    path = tmp_path / "web.csv"
    path.write_text(WEB)
    for system in ("Web shop", "EU:Shop", "Web shop"):
        result = app.test_cli_runner().invoke(args=["dataset", "upload", str(engagement.id), "customers", str(path),
                                                    "--system", system, "--json"])
        assert result.exit_code == 0, result.output
    assert json.loads(result.output)["version"] == 2
    session.commit()  # a new transaction: see what the commands stored
    assert _datasets(session, engagement) == {"Web shop": ("Web shop", [1, 2]), "EU:Shop": ("EU:Shop", [1])}


def test_the_datasets_page_uploads_each_systems_extract_into_its_own_dataset(browser, session, engagement):
    systems = [erp(session, engagement, n, "ecommerce") for n in ("Web shop", "Till")]
    for system in systems:
        resp = browser.post(f"/e/{engagement.id}/datasets/upload", htmx=True,
                            data={"kind": "customers", "system_id": str(system.id), "name": "",
                                  "file": (io.BytesIO(CRM.encode()), "customers.csv")},
                            content_type="multipart/form-data")
        assert resp.status_code == 204, resp.get_data(as_text=True)
    assert _datasets(session, engagement) == {"Web shop": ("Web shop", [1]), "Till": ("Till", [1])}
    resp = browser.post(f"/e/{engagement.id}/datasets/upload", htmx=True,
                        data={"kind": "customers", "system_id": str(systems[1].id), "name": "Web shop",
                              "file": (io.BytesIO(CRM.encode()), "customers.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "holds extracts of Web shop, not Till" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Dataset)) == 2
