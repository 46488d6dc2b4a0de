"""WSGI entry point for gunicorn (`signage.wsgi:app`); settings come from the environment."""

from signage import create_app

app = create_app()
