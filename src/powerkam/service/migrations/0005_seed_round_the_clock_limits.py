"""Seed the round-the-clock limits with State Grid's public service commitments (供电服务"十项承诺"):
fault repair arrival on site urban 45 min, rural 90 min, remote 2 h; restoration after arrival urban
3 h, rural 4 h (remote: PowerKAM's default, as rural). The numbers are frozen here on purpose: a later
change of the defaults in the code does not rewrite what an administrator already has."""

from django.db import migrations
from django.utils import timezone

COMMITMENTS = '国家电网公司供电服务"十项承诺"'
ROWS = [
    ("fault_repair", "arrival", "urban", 45, COMMITMENTS),
    ("fault_repair", "arrival", "rural", 90, COMMITMENTS),
    ("fault_repair", "arrival", "remote", 120, COMMITMENTS),
    ("fault_repair", "restoration", "urban", 180, COMMITMENTS),
    ("fault_repair", "restoration", "rural", 240, COMMITMENTS),
    ("fault_repair", "restoration", "remote", 240, "PowerKAM default (as rural)"),
]


def seed(apps, schema_editor):
    HourLimit = apps.get_model("service", "HourLimit")
    History = apps.get_model("service", "HistoricalHourLimit")
    for kind, milestone, area, minutes, source in ROWS:
        row, created = HourLimit.objects.get_or_create(
            kind=kind,
            milestone=milestone,
            area_class=area,
            defaults={"minutes": minutes, "warn_percent": 80, "source": source},
        )
        if created:
            History.objects.create(
                id=row.pk,
                kind=kind,
                milestone=milestone,
                area_class=area,
                minutes=minutes,
                warn_percent=80,
                source=source,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="十项承诺 defaults",
            )


class Migration(migrations.Migration):
    dependencies = [("service", "0004_round_the_clock_limits")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
