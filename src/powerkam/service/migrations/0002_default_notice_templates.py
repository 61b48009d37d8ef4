from django.db import migrations


def seed(apps, schema_editor):
    from powerkam.service.notice_defaults import seed_rows

    NoticeTemplate = apps.get_model("service", "NoticeTemplate")
    for row in seed_rows():
        NoticeTemplate.objects.get_or_create(kind=row["kind"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
