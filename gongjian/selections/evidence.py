"""A selection's winner files itself in the archive as an activity record (story, votes, photos) of
the nominating community, as a held activity does (gongjian/archives/services/collection.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind, EvidenceSource
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.archives.services.files import StoredFile
from gongjian.selections.models import Nominee


@_in_site_language
def collect_from_winner(nominee: Nominee, *, actor=None, cache: dict | None = None):
    if not nominee.is_winner:
        return None
    selection = nominee.category.selection
    files = [
        StoredFile(
            file_name=p.file.name,
            thumbnail_name=p.thumbnail.name,
            name=f"selection-{nominee.pk}-{p.pk}.jpg",
            caption=nominee.name,
            taken_at=None,
            width=p.width,
            height=p.height,
        )
        for p in nominee.photos.order_by("id")
    ]
    text = "\n".join(
        [
            _("%(award)s, %(selection)s: %(votes)s votes.")
            % {
                "award": nominee.category.get_kind_display(),
                "selection": selection.title,
                "votes": nominee.votes_counted,
            },
            "",
            nominee.story,
        ]
    )
    return _collect(
        source=EvidenceSource.SELECTION,
        source_id=nominee.pk,
        unit=nominee.community,
        kind=EvidenceKind.ACTIVITY,
        title=_("Winner: %(name)s (%(award)s)") % {"name": nominee.name, "award": nominee.category.get_kind_display()},
        date=timezone.localtime(selection.finalised_at).date() if selection.finalised_at else timezone.localdate(),
        text=text,
        files=files,
        author=nominee.community.name,
        actor=actor,
        cache=cache,
    )
