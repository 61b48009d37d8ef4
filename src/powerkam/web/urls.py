from django.urls import path

from powerkam.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
