"""A published competition's ranking files itself in the city's archive as a document record
(every unit's score, rate and ranks as text), like campaign reports and fund statements do."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind, EvidenceSource
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.competitions.models import Competition


def ranking_text(competition: Competition) -> str:
    lines = [
        _("Period: %(start)s – %(end)s")
        % {"start": f"{competition.starts_on:%Y-%m-%d}", "end": f"{competition.ends_on:%Y-%m-%d}"},
        _("Units taking part: %(n)s") % {"n": competition.participants.count()},
        "",
    ]
    rows = competition.participants.select_related("cobuild_unit", "street").order_by("rank_city", "cobuild_unit__name")
    for row in rows:
        street = f"（{row.street.name}）" if row.street_id else ""
        lines.append(
            _("No. %(rank)s %(name)s%(street)s: %(score)s / %(max)s points, %(rate)s%%")
            % {
                "rank": row.rank_city,
                "name": row.cobuild_unit.name,
                "street": street,
                "score": row.score,
                "max": row.max_score,
                "rate": f"{row.rate * 100:.2f}" if row.rate is not None else "—",
            }
        )
    return "\n".join(lines)


@_in_site_language
def collect_from_competition(competition: Competition, *, actor=None, cache: dict | None = None):
    if not competition.is_published:
        return None
    return _collect(
        source=EvidenceSource.COMPETITION,
        source_id=competition.pk,
        unit=competition.city,
        kind=EvidenceKind.DOCUMENT,
        title=_("Environment competition ranking: %(name)s") % {"name": competition.name},
        date=timezone.localtime(competition.published_at).date(),
        started_on=competition.starts_on,
        text=ranking_text(competition),
        files=[],
        actor=actor,
        cache=cache,
    )
