"""Pages of the archive (台帐资料). Thin: forms in, services and selectors called, pages out.

Every object is looked up inside the viewer's scope first (``get_scoped_or_404``: out of scope is
404, whether the object exists or not); the services then check the right to change it. A stale
version (someone else saved first) is a ``Conflict``: the page is shown again with HTTP 409, the
message and the version as it now stands; nothing is overwritten.

One module per resource: archive (a unit's archive, ranking), evidence, binders, meetings,
mechanisms, templates; shared helpers in common."""

from gongjian.archives.views.archive import (
    index,
    ranking,
    skeleton,
    unit_archive,
)
from gongjian.archives.views.binders import (
    binder_detail,
    binder_download,
    binder_request,
    binder_status,
)
from gongjian.archives.views.evidence import (
    caption,
    evidence_file,
    record_create,
    record_detail,
    withdraw,
)
from gongjian.archives.views.mechanisms import (
    mechanisms,
    mechanisms_index,
)
from gongjian.archives.views.meetings import (
    decision_follow_up,
    meeting_create,
    meeting_detail,
    meeting_list,
    meeting_photo,
    meeting_photos,
)
from gongjian.archives.views.templates import (
    template_create,
    template_detail,
    template_list,
    template_publish,
    upkeep,
)

__all__ = [
    "binder_detail",
    "binder_download",
    "binder_request",
    "binder_status",
    "caption",
    "decision_follow_up",
    "evidence_file",
    "index",
    "mechanisms",
    "mechanisms_index",
    "meeting_create",
    "meeting_detail",
    "meeting_list",
    "meeting_photo",
    "meeting_photos",
    "ranking",
    "record_create",
    "record_detail",
    "skeleton",
    "template_create",
    "template_detail",
    "template_list",
    "template_publish",
    "unit_archive",
    "upkeep",
    "withdraw",
]
