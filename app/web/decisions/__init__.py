"""Decisions area: MADR-style architecture decision records."""

from app.web.crud import register_element_routes
from app.web.signoffs import register_signoff_routes
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("decisions", __name__)
register_element_routes(bp, "decision")
register_signoff_routes(bp, "decision")
