from django.urls import path

from powerkam.prospects import views

app_name = "prospects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export/", views.project_export, name="export"),
    path("new/", views.project_new, name="new"),
    path("notes/read/", views.notes_read, name="notes-read"),
    path("report/", views.weekly_report, name="report"),
    path("report/send/", views.weekly_report_send, name="report-send"),
    path("funnel/", views.funnel, name="funnel"),
    path("feeders/", views.feeders, name="feeders"),
    path("tasks/<int:pk>/<str:action>/", views.task_action, name="task-action"),
    path("reservations/<int:pk>/release/", views.reservation_release, name="reservation-release"),
    path("p/<str:project_id>/", views.project_detail, name="detail"),
    path("p/<str:project_id>/edit/", views.project_edit, name="edit"),
    path("p/<str:project_id>/<str:action>/", views.project_action, name="action"),
]
