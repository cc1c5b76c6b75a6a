"""Two small customer extracts (a web shop and a till) and helpers that load them, shared by the identity tests."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.services.datasets.uploads import upload_dataset
from app.services.scenarios import save_scenario
from models import System, scenario_members
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
    """Upload WEB and POS as the customer extracts of two new systems, "Web shop" and "Till"."""
    web = erp(session, engagement, "Web shop", "ecommerce")
    pos = erp(session, engagement, "Till", "pos")
    upload_dataset(session, engagement, "customers", WEB.encode(), "web.csv", system=web, name="Web customers")
    upload_dataset(session, engagement, "customers", POS.encode(), "pos.csv", system=pos, name="Loyalty members",
                   mapping=POS_MAPPING)


def scenario_with(session, engagement, name, *system_names):
    """A scenario whose members are only the named systems."""
    scenario = save_scenario(session, engagement, name)
    for system_name in system_names:
        system = session.scalar(select(System).where(System.engagement_id == engagement.id,
                                                     System.name == system_name))
        session.execute(insert(scenario_members).values(scenario_id=scenario.id, element_id=system.id))
    session.commit()
    return scenario
