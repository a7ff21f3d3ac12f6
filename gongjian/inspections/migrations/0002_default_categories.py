from django.db import migrations


def load(apps, schema_editor):
    from gongjian.inspections.taxonomy import load_default_categories

    load_default_categories(apps.get_model("inspections", "Category"))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
