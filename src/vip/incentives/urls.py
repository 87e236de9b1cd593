from django.urls import path

from vip.incentives import views

app_name = "incentives"
urlpatterns = [
    path("", views.index, name="index"),
    path("approvals/", views.approvals, name="approvals"),
    path("budgets/", views.budgets, name="budgets"),
    path("finance.csv", views.finance, name="finance"),
    path("people/<id:person_id>/propose/", views.propose, name="propose"),
    path("<id:incentive_id>/", views.detail, name="detail"),
    path("<id:incentive_id>/decide/", views.decide, name="decide"),
    path("<id:incentive_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:incentive_id>/pay/", views.pay, name="pay"),
    path("payments/<id:incentive_payment_id>/reverse/", views.reverse_payment, name="reverse"),
]
