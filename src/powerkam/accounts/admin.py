from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.accounts.models import Account, Assignment, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "role", "influence", "phone", "email", "archived"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["staff", "role", "active"]
    autocomplete_fields = ["staff"]


@admin.register(Account)
class AccountAdmin(SimpleHistoryAdmin):
    list_display = [
        "customer_id",
        "name",
        "grade",
        "credit_score",
        "key_status",
        "voltage_kv",
        "contract_capacity_kva",
        "district",
        "archived",
    ]
    list_filter = ["grade", "key_status", "tariff", "important_grade", "district", "area_class", "archived"]
    search_fields = ["customer_id", "name"]
    raw_id_fields = ["parent"]
    inlines = [AssignmentInline, ContactInline]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "account", "title", "role", "influence", "phone", "archived"]
    list_filter = ["role", "influence", "archived"]
    search_fields = ["name", "account__customer_id", "account__name", "phone"]
    raw_id_fields = ["account"]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["account", "staff", "role", "active"]
    list_filter = ["role", "active"]
    search_fields = ["account__customer_id", "account__name", "staff__username"]
    raw_id_fields = ["account"]
    autocomplete_fields = ["staff"]
