from django.urls import path

from powerkam.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="home"),
    path("overview.xlsx", views.overview_workbook, name="overview-workbook"),
    path("overview/send/", views.overview_send, name="overview-send"),
    path("overview/<str:key>/", views.overview_tile, name="overview-tile"),
    path("tariff/", views.tariff_opportunities, name="tariff"),
    path("tariff/export.xlsx", views.tariff_export, name="tariff-export"),
    path("tariff/<str:customer_id>/", views.account_tariff, name="account-tariff"),
    path("surveys/", views.survey_campaigns, name="surveys"),
    path("surveys/<int:pk>/", views.survey_campaign, name="campaign"),
    path("health/", views.health_report, name="health"),
    path("health/export.xlsx", views.health_export, name="health-export"),
    path("health/mine/", views.my_accounts_at_risk, name="my-risk"),
    path("health/model/", views.churn_model, name="churn-model"),
    path("health/<str:customer_id>/", views.account_health, name="account-health"),
    path("health/<str:customer_id>/surveys/", views.survey_add, name="survey-add"),
    path("health/<str:customer_id>/offers/", views.offer_add, name="offer-add"),
    path("offers/<int:pk>/answer/", views.offer_answer, name="offer-answer"),
    path("offers/", views.what_worked, name="what-worked"),
    path("offers/export.xlsx", views.what_worked_export, name="what-worked-export"),
]
