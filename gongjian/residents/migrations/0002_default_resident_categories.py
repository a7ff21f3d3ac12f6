from django.db import migrations

from gongjian.residents.defaults import load_default_resident_categories


def forwards(apps, schema_editor):
    load_default_resident_categories(
        apps.get_model("residents", "ResidentCategory"), apps.get_model("inspections", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial"), ("inspections", "0002_default_categories")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
