"""Small CSV datasets and a helper that uploads them, shared by the dataset, ATP and web tests."""

from __future__ import annotations

from app.services.catalog.elements import save_element
from app.services.datasets.uploads import upload_dataset

LOCATIONS = """location_id,name,type,latitude,longitude,ship_from,pickup
DC1,Daventry DC,dc,52.25,-1.16,true,false
S1,Oxford Street,store,51.51,-0.14,true,true
S2,Leeds,store,53.79,-1.54,false,true
"""
INVENTORY = """sku,location_id,on_hand,allocated,safety_stock
A,DC1,10,0,
A,S1,2,0,
B,DC1,1,0,
B,S2,3,0,1
"""
ORDERS = """order_id,created_at,channel,fulfillment,pickup_location_id,sku,quantity,unit_price
W1,2025-03-03T09:00:00Z,web,ship,,A,4,20
W2,2025-03-03T10:00:00Z,web,ship,,A,4,20
W3,2025-03-03T11:00:00Z,web,ship,,A,4,20
S1,2025-03-03T12:00:00Z,store,pickup,S2,B,1,15
W4,2025-03-04T09:00:00Z,web,ship,,C,1,
"""


def erp(session, engagement, name="SAP ECC", category="erp"):
    """A catalog system to link datasets to."""
    return save_element(session, engagement, "system", {"name": name, "category": category})


def load_small_network(session, engagement, user=None):
    """Upload locations, inventory and orders; returns {kind: version}."""
    system = erp(session, engagement)
    out = {}
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY), ("orders", ORDERS)):
        out[kind] = upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system,
                                   user=user).version
    return out
