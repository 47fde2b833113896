"""Which phones an account's SMS go to: its SMS contacts, else the customer's phone, and only mobiles."""

import pytest

from gridpay.data.models import Contact
from gridpay.data.queries.supply import account_contacts
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db


def test_a_landline_customer_gets_no_sms_but_a_mobile_contact_does(zj_tariff: str) -> None:
    account = enrol(1, phone="0595 6890 5492")
    assert account.customer.phone == "0595-68905492"
    assert account_contacts(account_id=account.id).phones == []
    Contact.objects.create(account=account, name="女儿", phone="13900000009")
    assert account_contacts(account_id=account.id).phones == ["13900000009"]
