"""Members of staff the tests act as on the command line (--as)."""

from gridpay.application.staff.add_staff import add_staff

ACCOUNTANT = "wanghj"  # 王会计, the station's accountant (核算员): who reconciles


def an_accountant() -> str:
    """The station's accountant, added; their login name."""
    add_staff(username=ACCOUNTANT, name="王会计", role="accountant", password="a-password-of-12-chars")
    return ACCOUNTANT
