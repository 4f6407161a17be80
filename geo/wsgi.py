import os

from django.core.wsgi import get_wsgi_application

from geo.wsgi_body import ChunkedBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
application = ChunkedBody(get_wsgi_application())

if os.environ.get("GEO_PRELOAD_MATCHER"):
    # Built once in the gunicorn master (--preload): forked workers share it copy-on-write.
    from routing import live

    live.matcher.current()
    live.directory.current()
    from django.db import connections

    connections.close_all()  # never share a database connection across fork
