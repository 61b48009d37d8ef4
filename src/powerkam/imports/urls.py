from django.urls import path

from powerkam.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/rollback/", views.rollback, name="rollback"),
]
