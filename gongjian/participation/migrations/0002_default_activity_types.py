from django.db import migrations


def create(apps, schema_editor):
    from gongjian.participation.activity_types import load_default_activity_types

    load_default_activity_types(apps.get_model("participation", "ActivityType"))


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
