from django.contrib.auth import views as auth_views
from django.urls import path

from powerkam.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_home, name="settings"),
    path("tasks/", views.work_list, name="work-list"),
    path("work/summary/", views.work_summary, name="work-summary"),
    path("work/panels/<str:key>/", views.home_panel, name="home-panel"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/count/", views.inbox_count, name="inbox-count"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
]
