"""What the API accepts and returns: money as integer fen, instants as ISO 8601 with a zone, days as ISO dates."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, StrictInt

from gridpay.domain.payments import (
    MAX_ACCOUNT_NO_LENGTH,
    MAX_CHANNEL_TXN_ID_LENGTH,
    MAX_PAYMENT_FEN,
    PaymentChannel,
)


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码，例如 payment_conflict")
    message: str = Field(description="给人看的说明（中文）")
    field: str | None = Field(description="出错的字段；与字段无关时为 null")


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    account_no: str = Field(
        min_length=1, max_length=MAX_ACCOUNT_NO_LENGTH, description="户号；任何人都可为任何户号交费"
    )
    amount_fen: StrictInt = Field(gt=0, le=MAX_PAYMENT_FEN, description="金额，整数分")
    channel: PaymentChannel = Field(description="交费渠道")
    channel_txn_id: str = Field(min_length=1, max_length=MAX_CHANNEL_TXN_ID_LENGTH, description="渠道流水号")
    received_at: AwareDatetime | None = Field(default=None, description="收款时间（带时区）；缺省为现在")


class PaymentOut(Schema):
    payment_id: int
    account_no: str
    amount_fen: int
    channel: str
    channel_txn_id: str
    received_at: datetime
    replayed: bool = Field(description="true：重复请求，返回第一次的结果，未重复入账")
    available_balance_fen: int = Field(description="本笔入账后的可用余额，整数分")


class AccountOut(Schema):
    account_no: str
    customer_name: str
    mode: str = Field(description="prepaid（智能交费）或 postpaid（后付费）")
    status: str = Field(description="active（正常）或 closed（销户）")
    supply_state: str = Field(description="connected（供电）或 disconnected（停电）")
    protected: bool = Field(description="保电户")
    protected_reason: str
    village: str | None
    transformer_area: str
    tariff_code: str
    meter_no: str | None
    balance_fen: int = Field(description="账户余额，整数分")
    available_balance_fen: int = Field(description="可用余额，整数分")
    last_settled_day: date | None
    average_daily_charge_fen: int | None = Field(description="近几日平均日电费，整数分")
    days_left: int | None = Field(description="预计可用天数")
    unbilled_charges_fen: int = Field(
        description="账户余额 − 可用余额：上次月度电费发行后每日结算、尚未发行的电费，整数分")
    unbilled_since: date | None = Field(description="这些电费的第一天")
    last_bill_month: date | None = Field(description="上次月度电费发行的月份（该月第一天）；尚未发行为 null")


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    account_no: str = Field(min_length=1, max_length=MAX_ACCOUNT_NO_LENGTH, description="户号")
    amount_fen: StrictInt = Field(gt=0, le=MAX_PAYMENT_FEN, description="金额，整数分")
    channel: Literal["wechat", "alipay"] = Field(description="在线渠道：wechat（微信支付）或 alipay（支付宝）")
    kind: Literal["native", "jsapi", "precreate"] = Field(
        description="下单方式：native（微信扫码）、jsapi（微信内支付，需 openid）、precreate（支付宝扫码）"
    )
    openid: str = Field(default="", max_length=128, description="JSAPI 付款人的 openid")


class OrderOut(Schema):
    order_no: str = Field(description="商户订单号")
    account_no: str
    amount_fen: int
    channel: str
    kind: str
    expires_at: datetime
    pay_with: dict[str, str] = Field(description="付款所需：code_url / qr_code（二维码内容）或 JSAPI 调起参数")


class AgentAccountOut(Schema):
    account_no: str
    masked_name: str = Field(description="户名（脱敏），请客户核对")
    status: str
    supply_state: str
    available_balance_fen: int = Field(description="可用余额，整数分；为负即欠费金额")


class AgentPaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    account_no: str = Field(min_length=1, max_length=MAX_ACCOUNT_NO_LENGTH, description="户号")
    amount_fen: StrictInt = Field(gt=0, le=MAX_PAYMENT_FEN, description="金额，整数分")
    agent_txn_id: str = Field(min_length=1, max_length=40, description="代收方自己的流水号；重试用同一个")


class AgentPaymentOut(Schema):
    payment_id: int
    account_no: str
    amount_fen: int
    channel_txn_id: str
    received_at: datetime
    replayed: bool
    available_balance_fen: int
    commission_fen: int = Field(description="本笔手续费，整数分")
    outstanding_fen: int = Field(description="未结算的代收金额，整数分")


class AgentStatementEntryOut(Schema):
    received_at: datetime
    agent_txn_id: str
    channel_txn_id: str
    account_no: str
    masked_name: str
    amount_fen: int
    commission_fen: int


class AgentStatementOut(Schema):
    agent_code: str
    agent_name: str
    day: date
    entries: list[AgentStatementEntryOut]
    payments: int
    amount_fen: int
    commission_fen: int
    due_fen: int = Field(description="应解款：代收金额减手续费")
    settled_at: datetime | None
    settled_by: str
