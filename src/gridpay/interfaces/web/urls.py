"""The staff console's routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from gridpay.interfaces.web.views import (
    arrears,
    collection_approvals,
    collection_campaign,
    collection_reports,
    customers,
    dashboard,
    green_channel,
    reports,
    rollout,
    supply,
    temporary,
    work_lists,
)

app_name = "web"
urlpatterns = [
    path("", dashboard.dashboard_page, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", customers.search_page, name="customers"),
    path("customers/<str:account_no>/", customers.customer_page, name="customer"),
    path("customers/<str:account_no>/pay", customers.counter_payment, name="counter-payment"),
    path("customers/<str:account_no>/protected", customers.protected, name="protected"),
    path("customers/<str:account_no>/reconnect", customers.reconnect, name="reconnect-now"),
    path("customers/<str:account_no>/supply", supply.console_panel, name="supply-panel"),
    path("customers/<str:account_no>/meter", customers.replace_meter_view, name="replace-meter"),
    path("customers/<str:account_no>/arrears/", arrears.arrears_case_page, name="arrears-case"),
    path("customers/<str:account_no>/arrears/step", arrears.arrears_step, name="arrears-step"),
    path("customers/<str:account_no>/arrears/waive", arrears.waive, name="arrears-waive"),
    path("receipts/<str:receipt_no>.pdf", customers.receipt, name="receipt"),
    path("receipts/<str:receipt_no>/void", customers.void_receipt, name="void-receipt"),
    path("arrears/", work_lists.arrears_page, name="arrears"),
    path("arrears/queue/", arrears.arrears_queue_page, name="arrears-queue"),
    path("calls/", work_lists.calls_page, name="calls"),
    path("temporary/", temporary.temporary_page, name="temporary"),
    path("temporary/<str:account_no>.pdf", temporary.temporary_statement_pdf, name="temporary-statement"),
    path("collection/approvals/", collection_approvals.approvals_page, name="collection-approvals"),
    path("risk/", work_lists.risk_page, name="risk"),
    path("queues/", work_lists.queues_page, name="queues"),
    path("collection/campaign/", collection_campaign.campaign_page, name="collection-campaign"),
    path("collection/campaign/bills.pdf", collection_campaign.bundle_pdf, name="collection-bundle"),
    path("collection/campaign/follow-up.csv", collection_campaign.follow_up_download, name="collection-follow-up-csv"),
    path("collection/untouched/", collection_campaign.untouched_page, name="collection-untouched"),
    path("rollout/", rollout.rollout_page, name="rollout"),
    path("rollout/villages/<int:village_id>/", rollout.village_page, name="village"),
    path("reports/monthly/", reports.monthly, name="monthly-report"),
    path("reports/collection/", collection_reports.collection_report, name="collection-report"),
    path("customers/<str:account_no>/agreement", rollout.record_agreement_view, name="agreement"),
    path("customers/<str:account_no>/green", green_channel.flag, name="green-flag"),
    path("green/", green_channel.green_page, name="green"),
    path("green/collect/", green_channel.collect_page, name="green-collect"),
    path("green/hand-in", green_channel.hand_in, name="green-hand-in"),
]
