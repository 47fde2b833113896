"""All of gridpay's tables, one module per part of the business."""

from gridpay.data.models.accounts import Account, AccountMode, Contact, Customer
from gridpay.data.models.api_tokens import ApiToken
from gridpay.data.models.arrears import ArrearsCase
from gridpay.data.models.audit import AuditRecord
from gridpay.data.models.calendar import CalendarDay, CalendarYear
from gridpay.data.models.channels import ChannelOrder, ChannelRefusal
from gridpay.data.models.collection import AreaCollector, AreaMember, CollectionArea
from gridpay.data.models.collection_campaign import CampaignRound, FollowUp
from gridpay.data.models.field_work import CallTask, ReconnectCase, WorkOrder
from gridpay.data.models.gateway import GatewayHeartbeat
from gridpay.data.models.green_channel import CashHandIn, HardshipFlag, HomeCollection
from gridpay.data.models.late_payers import (
    ArrearsNotice,
    ArrearsNoticeLine,
    ChronicPayer,
    CreditReport,
    CreditReportLine,
    PaymentReminder,
)
from gridpay.data.models.ledger import LedgerAccount, Transfer
from gridpay.data.models.meter_commands import MeterCommand, MeterCommandEvent
from gridpay.data.models.meters import DailyRead, FreezeStamp, Meter, MeterModel, Reading
from gridpay.data.models.notifications import Notification
from gridpay.data.models.outlets import Agent, AgentNonce, AgentPayment, AgentSettlement, Outlet
from gridpay.data.models.payments import CounterReceipt, Payment, PaymentRefund
from gridpay.data.models.places import GridStaff, Village
from gridpay.data.models.portal import SignInAttempt, SignInCode, StaffSignInFailure
from gridpay.data.models.postpaid import AreaReadingDay, BillPayment, LateFeeCharge, LateFeeWaiver, PostpaidBill
from gridpay.data.models.recharge_cards import CardBatch, RechargeCard
from gridpay.data.models.reconciliation import Reconciliation, ReconciliationDifference
from gridpay.data.models.risk import RiskScore
from gridpay.data.models.rollout import PromotionEvent, RolloutTarget, SmartPaymentAgreement
from gridpay.data.models.run_locks import RunLock
from gridpay.data.models.settlement import MonthlyBill, Settlement, SettlementFailure
from gridpay.data.models.supply import AlertDay, SupplyPolicySettings
from gridpay.data.models.tariffs import Tariff, TariffTier, TariffVersion
from gridpay.data.models.temporary import TemporarySupply
from gridpay.data.models.withholding import WithholdingAgreement, WithholdingBatch, WithholdingRequest

__all__ = [
    "Account",
    "AccountMode",
    "Agent",
    "AgentNonce",
    "AgentPayment",
    "AgentSettlement",
    "AlertDay",
    "ApiToken",
    "AreaCollector",
    "AreaMember",
    "AreaReadingDay",
    "ArrearsCase",
    "ArrearsNotice",
    "ArrearsNoticeLine",
    "AuditRecord",
    "BillPayment",
    "CalendarDay",
    "CalendarYear",
    "CallTask",
    "CampaignRound",
    "CardBatch",
    "CashHandIn",
    "ChannelOrder",
    "ChannelRefusal",
    "ChronicPayer",
    "CollectionArea",
    "Contact",
    "CounterReceipt",
    "CreditReport",
    "CreditReportLine",
    "Customer",
    "DailyRead",
    "FollowUp",
    "FreezeStamp",
    "GatewayHeartbeat",
    "GridStaff",
    "HardshipFlag",
    "HomeCollection",
    "LateFeeCharge",
    "LateFeeWaiver",
    "LedgerAccount",
    "Meter",
    "MeterCommand",
    "MeterCommandEvent",
    "MeterModel",
    "MonthlyBill",
    "Notification",
    "Outlet",
    "Payment",
    "PaymentRefund",
    "PaymentReminder",
    "PostpaidBill",
    "PromotionEvent",
    "Reading",
    "RechargeCard",
    "Reconciliation",
    "ReconciliationDifference",
    "ReconnectCase",
    "RiskScore",
    "RolloutTarget",
    "RunLock",
    "Settlement",
    "SettlementFailure",
    "SignInAttempt",
    "SignInCode",
    "SmartPaymentAgreement",
    "StaffSignInFailure",
    "SupplyPolicySettings",
    "Tariff",
    "TariffTier",
    "TariffVersion",
    "TemporarySupply",
    "Transfer",
    "Village",
    "WithholdingAgreement",
    "WithholdingBatch",
    "WithholdingRequest",
    "WorkOrder",
]
