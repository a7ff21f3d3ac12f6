"""/api/v1/evidence/, /meetings/, /mechanisms/, /archive-templates/, /archives/ (completeness and the
filled-in skeleton) and /binders/: thin adapters over the archive services, selectors and jobs.

Every read is scoped through ``accounts.access`` with ``Perm.ARCHIVE_VIEW``: an object outside the
caller's places is 404, a unit outside them named in a query or a body is 404 (queries) or a 400
naming the field (bodies). Service refusals become API errors: ValidationError → 400 (``detail``
plus the fields), NotPermitted → 403, Conflict → 409 (someone changed the record since the client
read it: send the ``version`` you saw, reload on 409).

One module per resource (``common`` holds the shared helpers and shapes); this package re-exports
every public name the old single ``api`` module had."""

from gongjian.archives.api.archives import (
    ArchiveViewSet,
    CompletenessSerializer,
    FindingSerializer,
    MechanismAuditSerializer,
    SectionAuditSerializer,
    SlotSerializer,
    audit_out,
)
from gongjian.archives.api.binders import (
    BINDER_PARAM,
    BinderJobSerializer,
    BinderRequestSerializer,
    BinderViewSet,
    ShownTextField,
)
from gongjian.archives.api.common import (
    DOWNLOAD_RENDERERS,
    MAX_ID,
    PERIOD_HELP,
    ArchiveDetailSerializer,
    ArchiveRuleItemSerializer,
    ArchiveUnitSerializer,
    DownloadRenderer,
    StaleVersion,
    choice_field,
    positive_int,
)
from gongjian.archives.api.evidence import (
    FILE_PARAM,
    FILE_RESPONSES,
    VERSION_PARAM,
    EvidenceCreateSerializer,
    EvidenceFileSerializer,
    EvidenceQuerySerializer,
    EvidenceReviseSerializer,
    EvidenceSerializer,
    EvidenceViewSet,
    WithdrawSerializer,
)
from gongjian.archives.api.mechanisms import (
    MechanismCreateSerializer,
    MechanismSerializer,
    MechanismViewSet,
    mechanism_rows,
)
from gongjian.archives.api.meetings import (
    MEETING_PARAM,
    AttendeeOutSerializer,
    AttendeeSerializer,
    DecisionInSerializer,
    DecisionSerializer,
    FollowUpSerializer,
    MeetingCreateSerializer,
    MeetingPhotoSerializer,
    MeetingSerializer,
    MeetingViewSet,
)
from gongjian.archives.api.templates import (
    TEMPLATE_PARAM,
    ArchiveTemplateViewSet,
    RequirementSerializer,
    SectionInSerializer,
    SectionSerializer,
    TemplateCreateSerializer,
    TemplateRuleSetSerializer,
    TemplateSerializer,
    templates_visible,
)

__all__ = [
    "MAX_ID",
    "positive_int",
    "PERIOD_HELP",
    "StaleVersion",
    "DownloadRenderer",
    "DOWNLOAD_RENDERERS",
    "choice_field",
    "ArchiveDetailSerializer",
    "ArchiveUnitSerializer",
    "ArchiveRuleItemSerializer",
    "EvidenceFileSerializer",
    "EvidenceSerializer",
    "EvidenceQuerySerializer",
    "EvidenceCreateSerializer",
    "EvidenceReviseSerializer",
    "WithdrawSerializer",
    "VERSION_PARAM",
    "FILE_PARAM",
    "FILE_RESPONSES",
    "EvidenceViewSet",
    "AttendeeSerializer",
    "DecisionInSerializer",
    "DecisionSerializer",
    "MeetingPhotoSerializer",
    "AttendeeOutSerializer",
    "MeetingSerializer",
    "MeetingCreateSerializer",
    "FollowUpSerializer",
    "MEETING_PARAM",
    "MeetingViewSet",
    "MechanismSerializer",
    "MechanismCreateSerializer",
    "mechanism_rows",
    "MechanismViewSet",
    "RequirementSerializer",
    "SectionSerializer",
    "TemplateRuleSetSerializer",
    "TemplateSerializer",
    "SectionInSerializer",
    "TemplateCreateSerializer",
    "templates_visible",
    "TEMPLATE_PARAM",
    "ArchiveTemplateViewSet",
    "SlotSerializer",
    "SectionAuditSerializer",
    "MechanismAuditSerializer",
    "FindingSerializer",
    "CompletenessSerializer",
    "audit_out",
    "ArchiveViewSet",
    "ShownTextField",
    "BinderJobSerializer",
    "BinderRequestSerializer",
    "BINDER_PARAM",
    "BinderViewSet",
]
