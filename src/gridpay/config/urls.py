"""URL routes: the JSON API under /api/ and the Django admin."""

from django.contrib import admin
from django.urls import path

from gridpay.interfaces.api.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
