"""Every page of the console, the portal and the API's reference has a sample URL for the phone-width test, read from
the URLconf: a page added without one fails here, on every database, before the browser test would."""

from tests.support.pages import SAMPLES, url_names


def test_every_page_of_the_console_and_the_portal_has_a_sample() -> None:
    names = url_names()
    assert {"web:dashboard", "portal:account", "api-reference", "api:openapi-view"} <= names
    assert sorted(names - SAMPLES.keys()) == [], "a page without a sample URL: add it to SAMPLES"
    assert sorted(SAMPLES.keys() - names) == [], "a sample of a page that no longer exists"
