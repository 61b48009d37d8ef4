from django.urls import path

from powerkam.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.tariff_opportunities, name="home"),
    path("tariff/", views.tariff_opportunities, name="tariff"),
    path("tariff/<str:customer_id>/", views.account_tariff, name="account-tariff"),
]
