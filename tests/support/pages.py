"""Every page of the console, the portal, the API's reference and Swagger UI, by its URLconf name: who may see it
and a URL that shows it, for the test that renders them all on a phone (tests/e2e/test_browser_every_page.py)."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

ANONYMOUS = ""


@dataclass(frozen=True)
class Sample:
    """Who opens which URL to see the page (``{name}`` filled from the test's demo town)."""

    who: str  # a demo sign-in (gridpay.demo.sign_ins), "portal" for the portal household, or ANONYMOUS
    path: str


@dataclass(frozen=True)
class Download:
    """A URL that answers a file, not a page: its content type is checked instead."""

    who: str
    path: str
    content_type: str


@dataclass(frozen=True)
class PostOnly:
    """A URL that refuses a GET (405): nothing to show; its form is on the pages of the header."""

    who: str
    path: str


# Actions answer a POST and send a GET back to their page, so their sample shows the page their form is on.
SAMPLES: dict[str, Sample | Download | PostOnly] = {
    "web:dashboard": Sample("head", "/"),
    "web:login": Sample(ANONYMOUS, "/login/"),
    "web:logout": PostOnly("cashier", "/logout/"),
    "web:customers": Sample("cashier", "/customers/?q=陈"),
    "web:customer": Sample("cashier", "/customers/{prepaid}/"),
    "web:supply-panel": Sample("cashier", "/customers/{prepaid}/supply"),  # the account page's part it refreshes
    "web:counter-payment": Sample("cashier", "/customers/{prepaid}/pay"),
    "web:protected": Sample("supervisor", "/customers/{prepaid}/protected"),
    "web:reconnect-now": Sample("supervisor", "/customers/{prepaid}/reconnect"),
    "web:replace-meter": Sample("metering", "/customers/{time_of_use}/meter"),
    "web:arrears-case": Sample("head", "/customers/{case}/arrears/"),
    "web:arrears-step": Sample("collector", "/customers/{case}/arrears/step"),
    "web:arrears-waive": Sample("head", "/customers/{case}/arrears/waive"),
    "web:receipt": Download("cashier", "/receipts/{receipt}.pdf", "application/pdf"),
    "web:void-receipt": Sample("cashier", "/receipts/{receipt}/void"),
    "web:arrears": Sample("grid", "/arrears/"),
    "web:arrears-queue": Sample("collector", "/arrears/queue/"),
    "web:calls": Sample("grid", "/calls/"),
    "web:temporary": Sample("cashier", "/temporary/"),
    "web:temporary-statement": Download("cashier", "/temporary/{temporary}.pdf", "application/pdf"),
    "web:collection-approvals": Sample("head", "/collection/approvals/"),
    "web:risk": Sample("grid", "/risk/"),
    "web:queues": Sample("metering", "/queues/"),
    "web:collection-campaign": Sample("collector", "/collection/campaign/"),
    "web:collection-bundle": Download("collector", "/collection/campaign/bills.pdf", "application/pdf"),
    "web:collection-follow-up-csv": Download("collector", "/collection/campaign/follow-up.csv", "text/csv"),
    "web:collection-untouched": Sample("supervisor", "/collection/untouched/"),
    "web:rollout": Sample("head", "/rollout/"),
    "web:village": Sample("head", "/rollout/villages/{village}/"),
    "web:monthly-report": Sample("head", "/reports/monthly/"),
    "web:collection-report": Sample("head", "/reports/collection/"),
    "web:agreement": Sample("grid", "/customers/{prepaid}/agreement"),
    "web:green-flag": Sample("supervisor", "/customers/{green}/green"),
    "web:green": Sample("head", "/green/"),
    "web:green-collect": Sample("supervisor", "/green/collect/"),
    "web:green-hand-in": Sample("head", "/green/hand-in"),
    "portal:sign-in": Sample(ANONYMOUS, "/portal/"),
    "portal:code": Sample("portal", "/portal/code/"),  # the page the sign-in leaves the customer on, before the code
    "portal:accounts": Sample("portal", "/portal/accounts/"),
    "portal:account": Sample("portal", "/portal/accounts/{portal}/"),
    "portal:supply-panel": Sample("portal", "/portal/accounts/{portal}/supply"),
    "portal:move-out": Download("portal", "/portal/accounts/{portal}/move-out.pdf?from={month_ago}&to={yesterday}",
                                "application/pdf"),
    # A GET goes back to the account page; the pay page itself answers its form, which the test also submits.
    "portal:pay": Sample("portal", "/portal/accounts/{portal}/pay"),
    "portal:demo-pay": Sample("portal", "/portal/accounts/{portal}/pay/demo"),
    "portal:alerts": Sample("portal", "/portal/accounts/{portal}/alerts/"),
    "portal:sign-out": Sample("portal", "/portal/sign-out/"),
    # The root URLconf's own named routes: the API's reference, and the channels' notification URL (POST only).
    "api-reference": Sample(ANONYMOUS, "/api/docs"),
    "api:openapi-view": Sample(ANONYMOUS, "/api/docs/try"),  # Swagger UI, to try requests
    "channel-notification": PostOnly(ANONYMOUS, "/api/channels/wechat/notify"),
}
NAMESPACES = ("web", "portal")
API_PAGES = ("openapi-view",)  # of the API's routes, those that are pages: Swagger UI (django-ninja's docs view)


def url_names() -> set[str]:
    """Every named route of the console and the portal, those of the root URLconf itself, and the API's Swagger UI
    (the API's operations are not pages, and the admin is another application's), read from the URLconf."""
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
        elif isinstance(entry, URLResolver) and entry.namespace in NAMESPACES:
            names |= {f"{entry.namespace}:{p.name}" for p in entry.url_patterns if isinstance(p, URLPattern)}
        elif isinstance(entry, URLResolver) and entry.namespace == "api":
            names |= {f"api:{p.name}" for p in entry.url_patterns if isinstance(p, URLPattern) and p.name in API_PAGES}
    return names
