"""Analysis pages: findings, rule switches, freshness heat map, impact, acceptance criteria, scenario comparison,
and the diagrams they embed (docs/analysis.md). Read-only except the rule switches (writers only)."""

from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("analysis", __name__)

from app.web.analysis import detail, diagram, explore, layout, pages  # noqa: E402,F401  (routes register on bp)
