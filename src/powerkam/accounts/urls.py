from django.urls import path

from powerkam.accounts import map_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("export.xlsx", views.account_export, name="export"),
    path("map/", map_views.account_map, name="map"),  # before <customer_id>: ids are ten digits
    path("bulk/", views.account_bulk, name="bulk"),
    path("<str:customer_id>/", views.account_detail, name="detail"),
    path("<str:customer_id>/consumption/", views.account_consumption, name="consumption"),
    path("<str:customer_id>/load/", views.account_load, name="load"),
    path("<str:customer_id>/payments/", views.account_payments, name="payments"),
    path("<str:customer_id>/history/", views.account_history, name="history"),
    path("<str:customer_id>/contacts/", views.account_contact_add, name="contact-add"),
    path("<str:customer_id>/contacts/<int:pk>/edit/", views.account_contact_edit, name="contact-edit"),
    path("<str:customer_id>/panels/<str:key>/", views.account_panel, name="panel"),
]
