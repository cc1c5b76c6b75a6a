"""Flask extensions, created unbound and initialised in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

from models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()
# Storage and defaults come from the config (RATELIMIT_STORAGE_URI: memory on a laptop, Redis on a team server).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
