"""Catalog area: systems, channels, data entities, stakeholders."""

from app.web.crud import register_element_routes
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("catalog", __name__)
for _kind in ("system", "channel", "entity", "stakeholder"):
    register_element_routes(bp, _kind)
