"""What an agent may see before taking money for an account: the masked name and what is owed."""

from dataclasses import dataclass

from gridpay.application.customers.show_account import show_account
from gridpay.domain.agents import mask_name


@dataclass(frozen=True)
class AccountForAgent:
    account_no: str
    masked_name: str
    status: str
    supply_state: str
    available_balance_fen: int  # below zero: the arrears to pay for a reconnection


def look_up_account(*, account_no: str) -> AccountForAgent:
    view = show_account(account_no=account_no)
    return AccountForAgent(
        account_no=view.account_no,
        masked_name=mask_name(view.customer_name),
        status=view.status,
        supply_state=view.supply_state,
        available_balance_fen=view.available_balance_fen,
    )
