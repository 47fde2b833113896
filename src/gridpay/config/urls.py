"""URL routes: channel notifications, the JSON API under /api/, the Django admin and the staff console."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from gridpay.interfaces.api.api import api
from gridpay.interfaces.api.channel_notifications import channel_notification
from gridpay.interfaces.api.errors import error_response
from gridpay.interfaces.api.reference import api_reference
from gridpay.interfaces.web.views.refused import refused_request

urlpatterns = [
    path("api/channels/<str:channel>/notify", channel_notification, name="channel-notification"),
    # The API's reference, written on the server from the schema; Swagger UI, to try requests, is at /api/docs/try.
    path("api/docs", api_reference, name="api-reference"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says: sent to the static file (cached by WhiteNoise).
    path("favicon.ico", RedirectView.as_view(url=static("gridpay/favicon.ico"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the Chinese / English switch
    path("portal/", include("gridpay.interfaces.web.portal_urls")),
    path("", include("gridpay.interfaces.web.urls")),
]


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused before any view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413; too many fields, a
    bad multipart body: 400): the API's error body under /api/, a page in Chinese elsewhere. Never a 500."""
    if request.path_info.startswith("/api/"):
        return error_response(api, request, exception)
    return refused_request(request, exception)
