# The constraints come in their own migration (their own transaction), after 0005 has dated the
# activities already held.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0005_activity_lifecycle"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['held', 'archived']), _negated=True), ('held_on__isnull', False), _connector='OR'), name='activity_held_has_date'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'cancelled'), _negated=True), models.Q(('cancel_reason', ''), _negated=True), _connector='OR'), name='activity_cancelled_has_reason'),
        ),
    ]
