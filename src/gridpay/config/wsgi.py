"""WSGI application: refuses to start without a usable secret key, as `gridpay serve` does."""

import os

from django.core.wsgi import get_wsgi_application

from gridpay.application.secret_key import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
require_secret_key()
application = get_wsgi_application()


def _build_the_api_schema() -> None:
    """As each worker starts, not while the first visitor of /api/docs waits for it (a third of a second)."""
    from gridpay.interfaces.api.api import api  # once Django is set up: the API's modules import the models

    api.get_openapi_schema()


_build_the_api_schema()
