from django.urls import path

from powerkam.visits import offline, views

app_name = "visits"

urlpatterns = [
    path("", views.plan_calendar, name="calendar"),
    path("plan/", views.plan_generate, name="plan-generate"),
    path("planned/<int:pk>/move/", views.planned_move, name="planned-move"),
    path("due/", views.due_list, name="due"),
    path("due/export.xlsx", views.due_export, name="due-export"),
    path("new/", views.visit_new, name="new"),
    path("records/", views.visit_records, name="records"),
    path("records/export.xlsx", views.visit_records_export, name="records-export"),
    path("records/<int:pk>/", views.visit_record, name="record"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("followups/", views.followups, name="followups"),
    path("followups/<int:pk>/close/", views.followup_close, name="followup-close"),
    path("compliance/", views.compliance, name="compliance"),
    path("reassign/", views.reassign, name="reassign"),
    path("feed/", views.feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
]
