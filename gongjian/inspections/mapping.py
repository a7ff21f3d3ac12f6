"""The map's data (reads, already scoped by the caller's filtered queryset): problems as GeoJSON
points for markers, clusters and the heat layer. One aggregate and one ``values()`` query, the
first before-photo picked by a subquery, so the cost does not grow with a query per problem."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.dashboard.labels import deadline_standing
from gongjian.inspections.choices import PhotoStage, ProblemStatus
from gongjian.inspections.models import Problem, ProblemPhoto


def still_worked_on_unless(problems: QuerySet[Problem], *, status: str) -> QuerySet[Problem]:
    """Without a status filter the map shows the problems still being worked on (open and
    awaiting re-check), not the closed and void ones."""
    if status:
        return problems
    return problems.exclude(status__in=[ProblemStatus.CLOSED, ProblemStatus.VOID])


def problem_features(*, problems: QuerySet[Problem], limit: int) -> dict:
    """A GeoJSON FeatureCollection of the problems that have a position (the first ``limit`` in the
    queryset's order), with ``total`` (placed problems matching), ``shown``, ``unplaced`` (matching
    but without a position) and, when capped, a ``message`` saying so."""
    counts = problems.aggregate(all=Count("id"), placed=Count("id", filter=Q(latitude__isnull=False)))
    first_photo = ProblemPhoto.objects.filter(problem=OuterRef("pk"), stage=PhotoStage.BEFORE).order_by("id")
    rows = (
        problems.filter(latitude__isnull=False)
        .annotate(photo_id=Subquery(first_photo.values("id")[:1]))
        .values(
            "id", "number", "latitude", "longitude", "status", "deadline", "category__name", "unit__name", "photo_id"
        )[:limit]
    )
    now = timezone.now()
    local_now = timezone.localtime(now)
    labels = dict(ProblemStatus.choices)
    features = []
    for r in rows:
        overdue = r["status"] == ProblemStatus.OPEN and r["deadline"] < now
        # "超期 3 个工作日" / "剩 2 个工作日" while being rectified, as on the homes and lists.
        standing = deadline_standing(r["deadline"], local_now) if r["status"] == ProblemStatus.OPEN else None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(r["longitude"]), float(r["latitude"])]},
                "properties": {
                    "id": r["id"],
                    "number": r["number"],
                    "status": r["status"],
                    "status_label": str(labels.get(r["status"], r["status"])),
                    "overdue": overdue,
                    "deadline_label": standing.label if standing else "",
                    "category": r["category__name"],
                    "unit": r["unit__name"],
                    "deadline": timezone.localtime(r["deadline"]).date().isoformat(),
                    "url": reverse("problems:detail", args=[r["id"]]),
                    "thumb": reverse("problems:photo", args=[r["photo_id"], "thumb"]) if r["photo_id"] else None,
                },
            }
        )
    total, shown = counts["placed"], len(features)
    collection = {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "shown": shown,
        "unplaced": counts["all"] - counts["placed"],
        "truncated": shown < total,
    }
    if shown < total:
        collection["message"] = _(
            "Showing the %(shown)d most recent of %(total)d problems; narrow the filter to see the others."
        ) % {"shown": shown, "total": total}
    return collection
