from django.urls import path

from powerkam.grading import views

app_name = "grading"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("accounts/<str:customer_id>/history/", views.account_history, name="account-history"),
]
