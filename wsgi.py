"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from service import create_app
from service.core.serving import ready_to_serve

app = ready_to_serve(create_app())
