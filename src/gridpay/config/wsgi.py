"""WSGI application: refuses to start without a usable secret key, as `gridpay serve` does."""

import os

from django.core.wsgi import get_wsgi_application

from gridpay.application.secret_key import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
require_secret_key()
application = get_wsgi_application()
