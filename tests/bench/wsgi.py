"""gunicorn's entry point for the benchmark settings (tests.bench.settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
application = get_wsgi_application()
