"""The client's network address: the one the reverse proxy names (GRIDPAY_CLIENT_ADDRESS_HEADER), else the
connection's. What the portal's limits count and what refusals and attempts record."""

from django.http import HttpRequest

from gridpay.data.settings import gridpay_settings

MAX_LENGTH = 64  # an IPv6 address with its zone fits


def client_address(request: HttpRequest) -> str:
    header = gridpay_settings().client_address_header
    if header:
        # The proxy sets the header itself; of a list (X-Forwarded-For), the last entry is the one it added.
        named = str(request.META.get("HTTP_" + header.upper().replace("-", "_"), "")).split(",")[-1].strip()
        if named:
            return named[:MAX_LENGTH]
    return str(request.META.get("REMOTE_ADDR", ""))[:MAX_LENGTH]
