"""The Chinese SMS texts: every template renders with its own parameters, and only with them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.sms_texts import TEMPLATES, SmsTemplateError, days_left_phrase, ordered_params, render

ANY_TEXT = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_renders_without_a_placeholder_left(kind: str) -> None:
    params = {name: f"<{name}>" for name in TEMPLATES[kind].params}
    text = render(kind=kind, params=params)
    assert "{" not in text and all(value in text for value in params.values())
    assert len(text) <= 140  # two SMS segments at most


def test_customer_texts_say_how_to_pay_and_arrears_say_when_supply_stops() -> None:
    text = render(kind="arrears", params={"account_no": "3301", "available_yuan": "-1.20", "disconnect_day": "3月17日"})
    assert "3月17日停电" in text and "微信" in text and "自动恢复供电" in text
    low = render(kind="low_balance_first",
                 params={"account_no": "3301", "available_yuan": "40.00", "days_left": days_left_phrase(None)})
    assert "，请及时交费" in low and "预计" not in low
    assert days_left_phrase(3) == "预计可用3天，"


def test_missing_extra_and_unknown_parameters_are_refused() -> None:
    with pytest.raises(SmsTemplateError):
        render(kind="reconnected", params={"account_no": "1"})
    with pytest.raises(SmsTemplateError):
        render(kind="reconnected", params={"account_no": "1", "available_yuan": "2", "extra": "3"})
    with pytest.raises(SmsTemplateError):
        render(kind="no_such_kind", params={})


@given(account_no=ANY_TEXT, yuan=ANY_TEXT, day=ANY_TEXT)
def test_any_values_render_in_order(account_no: str, yuan: str, day: str) -> None:
    params = {"disconnect_day": day, "available_yuan": yuan, "account_no": account_no}
    assert account_no in render(kind="arrears", params=params)
    assert ordered_params(kind="arrears", params=params) == (
        ("account_no", account_no), ("available_yuan", yuan), ("disconnect_day", day)
    )
