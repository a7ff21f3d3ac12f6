"""The assessment's satisfaction indicator (``satisfaction_rate`` of a ``rate`` item), read by the
engine through ``settings.ASSESSMENT_SURVEY_RATES`` (the surveys build on the assessment, so the
engine does not import them). For each community: the published survey whose period overlaps the
month (the one ending last when several do), its satisfied / answered in percent, and the words
naming the survey and its period that the deduction line carries."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from gongjian.surveys import stats
from gongjian.surveys.models import Response, SurveyCommunity, SurveyStatus


def rates(*, city_id: int, month: datetime.date, unit_ids: list[int]) -> dict[int, tuple]:
    """{community id: (rate % or None, source text)} for the month's survey of each community."""
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    links = (
        SurveyCommunity.objects.filter(
            survey__city_id=city_id,
            survey__status=SurveyStatus.PUBLISHED,
            survey__start_date__lt=end,
            survey__end_date__gte=start,
            community_id__in=unit_ids,
        )
        .select_related("survey")
        .order_by("community_id", "-survey__end_date", "-survey_id")
    )
    chosen: dict[int, object] = {}
    for link in links:
        chosen.setdefault(link.community_id, link.survey)
    out: dict[int, tuple] = {}
    for community_id, survey in chosen.items():
        counts = Response.objects.filter(survey=survey, community_id=community_id).aggregate(
            yes=Count("id", filter=Q(satisfied=True)), answered=Count("id", filter=Q(satisfied__isnull=False))
        )
        rate = stats.rate_percent(counts["yes"], counts["answered"])
        source = f"《{survey.title}》v{survey.version} {survey.period_label} n={counts['answered']}"
        out[community_id] = (rate, source)
    return out
