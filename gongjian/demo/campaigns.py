"""The demo city's running campaign: 大清扫, declared by the city office six weeks ago for three
months ("大清扫活动将在以后三个月中继续开展"), on the sanitation categories, in every community; the
problems the demo already found in it are tagged by the declaration's backfill, the ones reported
from now on by the report hook. Idempotent: nothing is created when it is already there."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.campaigns import services
from gongjian.campaigns.models import Campaign
from gongjian.inspections.models import Category
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

NAME = "大清扫"
CATEGORY_CODES = ("06036", "06038", "06001", "06021")


def build_demo_campaigns() -> int:
    """Return the number of problems tagged now (0 when the campaign is already there)."""
    city = Unit.objects.get(level=UnitLevel.CITY, code="339900")
    if Campaign.objects.filter(city=city, name=NAME).exists():
        return 0
    today = timezone.localdate()
    starts_on = today - datetime.timedelta(weeks=6)
    campaign = services.campaign_declare(
        user=User.objects.get(username="city"),
        city=city,
        name=NAME,
        description="大清扫活动将在以后三个月中继续开展：背街小巷、楼道、绿地卫生死角和乱堆乱放逐一清理，问题限期销号。",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=91),
        categories=list(Category.objects.filter(code__in=CATEGORY_CODES, is_active=True)),
        level=UnitLevel.COMMUNITY,
    )
    return campaign.problems.count()
