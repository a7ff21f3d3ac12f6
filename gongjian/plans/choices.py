from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    YEAR = "year", _("Year plan")
    THREE_YEAR = "three_year", _("Three-year plan")


#: The speech's criticism a plan without goals, requirements or measures is flagged with.
SPEECH_CRITICISM = "有些社区的共建计划如工作安排不具体，无目标、要求、措施"
