"""WSGI entry point for gunicorn (`signage.wsgi:app`); settings come from the environment.

A bad setting (an unreachable database among them) is one line on standard error and exit
status 3, gunicorn's "worker failed to boot", so that gunicorn stops instead of starting
worker after worker; never a traceback.
"""

import sys

from signage import create_app
from signage.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"bluezone-signage: {exc}", file=sys.stderr)
    sys.exit(3)
