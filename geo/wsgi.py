import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from geo.wsgi_body import ChunkedBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
application = ChunkedBody(get_wsgi_application())

# Every view imported now (Django imports the URLconf at the first request): under gunicorn's
# preload this happens once in the master and is shared, instead of costing each new worker's
# first request two seconds.
_views = get_resolver().url_patterns

if os.environ.get("GEO_PRELOAD_MATCHER"):
    # Built once in the gunicorn master (--preload): forked workers share it copy-on-write.
    import sys
    import time

    from routing import live

    # The one step of a start over 2 s: say what it waits for, and when it is done.
    started = time.monotonic()
    sys.stderr.write("preloading the matcher (its stored index, built the first time) and the directory\n")
    counts = ", ".join(f"{len(level.codes):,} {level.level}s" for level in live.matcher.current().levels)
    live.directory.current()
    sys.stderr.write(f"preloaded: {counts or 'no boundaries'} in {time.monotonic() - started:.1f} s\n")
    from django.db import connections

    connections.close_all()  # never share a database connection across fork
