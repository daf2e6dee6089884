"""WSGI entry point: `gunicorn wsgi:app`."""

from examengine import create_app

app = create_app()
