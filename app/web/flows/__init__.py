"""Integration area: data flows and data ownership."""

from app.web.crud import register_element_routes
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("flows", __name__)
for _kind in ("flow", "ownership"):
    register_element_routes(bp, _kind)
