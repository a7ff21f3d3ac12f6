"""Reading surveys within the actor's scope (the city office: all; a street: its communities; a
community: its own; anyone else: 404), and the results by community."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404

from gongjian.accounts.access import Perm, restrict
from gongjian.surveys import stats
from gongjian.surveys.models import Answer, Response, Survey, SurveyCommunity


def may_manage(actor) -> bool:
    return actor.has_perm(Perm.SURVEY_MANAGE)


def visible_links(actor, survey: Survey | None = None):
    links = SurveyCommunity.objects.select_related("community", "survey")
    if survey is not None:
        links = links.filter(survey=survey)
    if may_manage(actor):
        return (
            links.filter(survey__city_id__in=actor.root_unit_ids(Perm.SURVEY_MANAGE))
            if not actor.is_superuser
            else links
        )
    return restrict(links, actor, Perm.SURVEY_VIEW, unit_field="community")


def survey_list(actor):
    if may_manage(actor):
        surveys = Survey.objects.all()
        if not actor.is_superuser:
            surveys = surveys.filter(city_id__in=actor.root_unit_ids(Perm.SURVEY_MANAGE))
        return surveys
    if not actor.has_perm(Perm.SURVEY_VIEW):
        raise Http404
    return Survey.objects.filter(pk__in=visible_links(actor).values("survey_id"))


def survey_get(actor, pk: int) -> Survey:
    survey = survey_list(actor).filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def survey_to_manage(actor, pk: int) -> Survey:
    if not may_manage(actor):
        raise Http404
    return survey_get(actor, pk)


@dataclass
class QuestionResult:
    question: object
    answered: int = 0
    counts: list[tuple[str, int, float]] = field(default_factory=list)  # (label, count, share %)
    texts: list[str] = field(default_factory=list)


@dataclass
class CommunityResult:
    community: object
    responses: int
    satisfied: int
    answered: int
    rate: object
    note: dict


def community_results(survey: Survey, community_ids: list[int]) -> list[CommunityResult]:
    """Response counts and the satisfaction rate with its confidence note, per community."""
    rows = (
        Response.objects.filter(survey=survey, community_id__in=community_ids)
        .values("community_id")
        .annotate(
            n=Count("id"),
            yes=Count("id", filter=Q(satisfied=True)),
            answered=Count("id", filter=Q(satisfied__isnull=False)),
        )
    )
    by_id = {r["community_id"]: r for r in rows}
    links = SurveyCommunity.objects.filter(survey=survey, community_id__in=community_ids).select_related("community")
    out = []
    for link in sorted(links, key=lambda item: item.community.code or ""):
        r = by_id.get(link.community_id, {"n": 0, "yes": 0, "answered": 0})
        out.append(
            CommunityResult(
                community=link.community,
                responses=r["n"],
                satisfied=r["yes"],
                answered=r["answered"],
                rate=stats.rate_percent(r["yes"], r["answered"]),
                note=stats.confidence_note(r["yes"], r["answered"]),
            )
        )
    return out


def question_results(survey: Survey, community_ids: list[int], *, texts: int = 50) -> list[QuestionResult]:
    """Per question: how many answered, the distribution of choices or scale values, the latest texts."""
    results = {q.pk: QuestionResult(question=q) for q in survey.questions.all()}
    tallies: dict[int, Counter] = {pk: Counter() for pk in results}
    answers = Answer.objects.filter(response__survey=survey, response__community_id__in=community_ids)
    for qid, choices, scale, text in answers.values_list("question_id", "choices", "scale", "text").order_by("-id"):
        result = results[qid]
        kind = result.question.kind
        if kind in ("single", "multiple") and choices:
            result.answered += 1
            tallies[qid].update(choices)
        elif kind == "scale" and scale is not None:
            result.answered += 1
            tallies[qid][str(scale)] += 1
        elif kind == "text" and text:
            result.answered += 1
            if len(result.texts) < texts:
                result.texts.append(text)
    for qid, result in results.items():
        q = result.question
        if q.kind == "scale":
            labels = [str(v) for v in range(q.scale_min, q.scale_max + 1)]
        elif q.kind in ("single", "multiple"):
            labels = list(q.options)
        else:
            continue
        for label in labels:
            count = tallies[qid][label]
            share = round(count * 100 / result.answered, 1) if result.answered else 0.0
            result.counts.append((label, count, share))
    return list(results.values())
