"""Throughline: discovery and architecture-mapping workbench for omnichannel commerce."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, CLI, error handlers."""
    # Imported here, not at the top: the pure packages under app/ (engines, graph, capture) must load
    # without Flask or the configuration.
    from flask import Flask

    from app.api import register_api
    from app.cli import register_cli
    from app.database import configure_engine
    from app.extensions import csrf, db, htmx, limiter, login_manager, migrate
    from app.services.accounts import configure_hasher
    from app.services.analysis import cache as analysis_cache
    from app.web import register_web
    from config import Config

    config = Config().update(overrides)
    app = Flask(
        __name__,
        instance_path=config.INSTANCE_PATH,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(config)

    configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])
    analysis_cache.configure(app.config["ANALYSIS_CACHE_SIZE"], app.config["ANALYSIS_CACHE_URL"],
                             app.config["ANALYSIS_CACHE_TTL"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    register_web(app)
    register_api(app)
    register_cli(app)
    return app
