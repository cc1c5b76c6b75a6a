"""A small routing network (coordinates, capacity, handling cost, ship-to points) shared by the routing tests."""

from __future__ import annotations

from app.services.datasets.uploads import upload_dataset
from tests.support.datasets import erp

LOCATIONS = """location_id,name,type,latitude,longitude,ship_from,pickup,daily_capacity,handling_cost
DC1,Daventry DC,dc,52.25,-1.16,true,false,,1.0
S1,Oxford Street,store,51.51,-0.14,true,true,1,2.0
S2,Leeds,store,53.79,-1.54,true,true,,2.0
"""
INVENTORY = """sku,location_id,on_hand,allocated,safety_stock
A,DC1,10,0,
A,S1,2,0,
B,DC1,1,0,
B,S2,3,0,
C,S1,5,0,
"""
# Two London customers and one in Leeds; a pickup at Oxford Street; an order for a SKU nobody stocks.
ORDERS = """order_id,created_at,channel,fulfillment,pickup_location_id,ship_latitude,ship_longitude,sku,quantity
W1,2025-03-03T09:00:00Z,web,ship,,51.50,-0.12,A,1
W1,2025-03-03T09:00:00Z,web,ship,,51.50,-0.12,C,1
W2,2025-03-03T10:00:00Z,web,ship,,53.80,-1.55,B,1
W3,2025-03-03T11:00:00Z,web,ship,,51.52,-0.10,A,1
P1,2025-03-03T12:00:00Z,store,pickup,S1,,,C,1
W4,2025-03-04T09:00:00Z,web,ship,,51.50,-0.12,Z,1
"""


def load(session, engagement):
    """Upload the routing locations, inventory and orders."""
    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY), ("orders", ORDERS)):
        upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)
