"""The API object and its routes."""

from ninja import NinjaAPI

api = NinjaAPI(title="gridpay API", version="1", urls_namespace="api")
