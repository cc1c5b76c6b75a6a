"""Pickup capacity in the locations dataset: stores that do not ship still hand over click & collect."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.datasets.validation import DatasetRejected
from app.services.engines import runs as engine_runs
from models import Dataset
from tests.support.datasets import erp
from tests.support.routing import INVENTORY, ORDERS

# Oxford Street dispatches nothing (daily_capacity 0) but hands over one click & collect order a day.
LOCATIONS = """location_id,name,type,latitude,longitude,ship_from,pickup,daily_capacity,pickup_capacity,handling_cost
DC1,Daventry DC,dc,52.25,-1.16,true,false,,,1.0
S1,Oxford Street,store,51.51,-0.14,true,true,0,1,2.0
S2,Leeds,store,53.79,-1.54,true,true,,,2.0
"""
SECOND_PICKUP = "P2,2025-03-03T13:00:00Z,store,pickup,S1,,,C,1\n"


def upload(session, engagement, orders=ORDERS):
    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY), ("orders", orders)):
        upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)


@pytest.mark.parametrize("strategy", ["rules", "guided", "optimal"])
def test_a_store_with_no_dispatch_capacity_fills_pickups_up_to_its_pickup_capacity(session, engagement, strategy):
    upload(session, engagement, ORDERS + SECOND_PICKUP)
    run = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "routing", strategy=strategy)
    assert run.status == "done", run.error
    m = run.metrics
    assert m["trusted"]
    # P1 is handed over; P2 finds the day's one pickup taken; W1's C (only at S1) cannot be dispatched; Z is nowhere
    assert m["by_channel"]["store"]["filled"] == 1
    assert m["unfilled"] == {"no_stock": 1, "capacity": 2}


def test_a_negative_pickup_capacity_is_refused_naming_row_and_column_and_nothing_is_stored(session, engagement):
    system = erp(session, engagement)
    bad = LOCATIONS.replace("true,true,,,2.0", "true,true,,-3,2.0")  # only Leeds has both capacities empty
    with pytest.raises(DatasetRejected) as caught:
        upload_dataset(session, engagement, "locations", bad.encode(), "locations.csv", system=system)
    session.rollback()
    assert [(p.row, p.column) for p in caught.value.report.problems] == [(4, "pickup_capacity")]
    assert session.scalar(select(func.count()).select_from(Dataset)) == 0
