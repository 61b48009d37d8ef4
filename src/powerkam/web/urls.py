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
    # Areas whose apps are still being built: a tidy page instead of a 404. When an app mounts its
    # own urls on one of these prefixes in powerkam/urls.py (before this module), it takes over.
    path("insights/", views.coming_soon, {"area": "insights"}, name="insights-soon"),
]
