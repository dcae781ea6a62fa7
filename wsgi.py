"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from service import create_app
from service.bank_api.lookup import warm_region_prefixes

app = create_app()
# Each worker imports this module: it reads the name lookup's region prefixes in the
# background at start instead of on its first lookup (one scan of the names).
warm_region_prefixes(app.extensions["db_engine"])
# What start-up built lives as long as the worker: keep it out of the collector's full
# passes, which otherwise walk it again and again (they stretched the slowest batches).
gc.freeze()
