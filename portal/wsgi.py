"""The WSGI entry point for gunicorn: ``portal.wsgi:app``.

A bad setting (an unreachable database among them) is one line on standard error and exit
status 3, gunicorn's "worker failed to boot", so that gunicorn stops instead of starting
worker after worker; never a traceback.
"""

import sys

from portal import create_app
from portal.campaign.content import CampaignError
from portal.config import ConfigError

try:
    app = create_app()
except (ConfigError, CampaignError) as exc:
    print(f"bluezone-portal: {exc}", file=sys.stderr)
    sys.exit(3)
