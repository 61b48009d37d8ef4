from django.urls import path

from powerkam.renewables import views

app_name = "renewables"

urlpatterns = [
    path("", views.renewables_page, name="home"),
    path("export.xlsx", views.renewables_export, name="export"),
    path("settings/", views.renewables_settings, name="settings"),
]
