from django.urls import path

from powerkam.service import views

app_name = "service"

urlpatterns = [
    path("", views.my_tickets, name="mine"),
    path("tickets/bulk/", views.tickets_bulk, name="tickets-bulk"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/notice/", views.notice_preview, name="notice-preview"),
    path("tickets/<int:pk>/notice/deliver/", views.notice_deliver, name="notice-deliver"),
    path("tickets/<int:pk>/<str:action>/", views.ticket_action, name="ticket-action"),
    path("transfers/<int:pk>/<str:decision>/", views.transfer_decide, name="transfer-decide"),
    path("notices/<int:pk>/", views.notice_view, name="notice"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/next-step/", views.case_next_step, name="case-next-step"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/report/", views.compliance_report, name="compliance-report"),
    path("complaints/", views.complaints_report, name="complaints-report"),
    path("arrears/", views.arrears, name="arrears"),
]
