"""The customer portal's routes, under /portal/."""

from django.urls import path

from gridpay.interfaces.web.views import portal, supply

app_name = "portal"
urlpatterns = [
    path("", portal.sign_in, name="sign-in"),
    path("code/", portal.enter_code, name="code"),
    path("accounts/", portal.accounts, name="accounts"),
    path("accounts/<str:account_no>/", portal.account, name="account"),
    path("accounts/<str:account_no>/move-out.pdf", portal.move_out, name="move-out"),
    path("accounts/<str:account_no>/pay", portal.pay, name="pay"),
    path("accounts/<str:account_no>/pay/demo", portal.demo_pay, name="demo-pay"),
    path("accounts/<str:account_no>/supply", supply.portal_panel, name="supply-panel"),
    path("accounts/<str:account_no>/alerts/", portal.alerts, name="alerts"),
    path("sign-out/", portal.sign_out, name="sign-out"),
]
