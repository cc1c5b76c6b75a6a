"""The WSGI application a production server (gunicorn, `make serve`) loads: `app.wsgi:app`."""

from app import create_app

app = create_app()
