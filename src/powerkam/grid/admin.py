from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.grid.models import Feeder, Substation


class FeederInline(admin.TabularInline):
    model = Feeder
    extra = 0
    fields = ("feeder_id", "name", "voltage_kv", "rated_capacity_kva", "peak_load_kw", "archived")


@admin.register(Substation)
class SubstationAdmin(SimpleHistoryAdmin):
    list_display = ("substation_id", "name", "archived")
    search_fields = ("substation_id", "name")
    list_filter = ("archived",)
    inlines = [FeederInline]


@admin.register(Feeder)
class FeederAdmin(SimpleHistoryAdmin):
    list_display = ("feeder_id", "name", "substation", "voltage_kv", "rated_capacity_kva", "peak_load_kw", "archived")
    search_fields = ("feeder_id", "name", "substation__name")
    list_filter = ("substation", "voltage_kv", "archived")
