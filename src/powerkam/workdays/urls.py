from django.urls import path

from powerkam.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.year_view, name="year"),
    path("overrides/", views.override_set, name="override-set"),
    path("overrides/<int:pk>/archive/", views.override_archive, name="override-archive"),
    path("years/import/", views.year_import, name="year-import"),
    path("years/declare/", views.year_declare, name="year-declare"),
]
