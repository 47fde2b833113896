"""The staff console's routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from gridpay.interfaces.web.views import arrears, customers, dashboard, reports, rollout, work_lists

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
    path("customers/<str:account_no>/meter", customers.replace_meter_view, name="replace-meter"),
    path("customers/<str:account_no>/arrears/", arrears.arrears_case_page, name="arrears-case"),
    path("customers/<str:account_no>/arrears/step", arrears.arrears_step, name="arrears-step"),
    path("customers/<str:account_no>/arrears/waive", arrears.waive, name="arrears-waive"),
    path("receipts/<str:receipt_no>.pdf", customers.receipt, name="receipt"),
    path("arrears/", work_lists.arrears_page, name="arrears"),
    path("arrears/queue/", arrears.arrears_queue_page, name="arrears-queue"),
    path("calls/", work_lists.calls_page, name="calls"),
    path("risk/", work_lists.risk_page, name="risk"),
    path("queues/", work_lists.queues_page, name="queues"),
    path("rollout/", rollout.rollout_page, name="rollout"),
    path("rollout/villages/<int:village_id>/", rollout.village_page, name="village"),
    path("reports/monthly/", reports.monthly, name="monthly-report"),
    path("customers/<str:account_no>/agreement", rollout.record_agreement_view, name="agreement"),
]
