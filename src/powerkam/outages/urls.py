from django.urls import path

from powerkam.outages import views

#: The /grid/ area keeps its URL names (``grid:topology``, ``grid:outage`` …): its pages moved here
#: from the grid app, which now holds the network itself (docs/architecture.md, "Layers").
app_name = "grid"

urlpatterns = [
    path("", views.topology, name="topology"),
    path("reliability/", views.reliability, name="reliability"),
    path("outages/", views.outage_calendar, name="outages"),
    path("plan/", views.outage_plan, name="outage-plan"),
    path("plan/accept/", views.outage_plan_accept, name="outage-plan-accept"),
    path("plan/export.xlsx", views.outage_plan_export, name="outage-plan-export"),
    path("outages/new/", views.outage_new, name="outage-new"),
    path("outages/<int:pk>/", views.outage_detail, name="outage"),
    path("outages/<int:pk>/letter/<str:customer_id>/", views.outage_letter, name="outage-letter"),
    path("outages/<int:pk>/<str:action>/", views.outage_action, name="outage-action"),
    path("notices/<str:token>/ack/", views.notice_ack, name="notice-ack"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice-acknowledge"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow-up-close"),
    path("impact/", views.impact_tool, name="impact"),
    path("upgrades/", views.upgrades, name="upgrades"),
]
