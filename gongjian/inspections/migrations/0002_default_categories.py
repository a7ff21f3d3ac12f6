from django.db import migrations


def load(apps, schema_editor):
    from gongjian.inspections.taxonomy import DEFAULT_CATEGORIES

    Category = apps.get_model("inspections", "Category")
    for order, (code, name, group, legacy, local, amount, unit) in enumerate(DEFAULT_CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "legacy_code": legacy,
                "is_local": local,
                "deadline_amount": amount,
                "deadline_unit": unit,
                "relapse_window_days": 30,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
