"""/api/v1/cobuild-units/, /pairings/, /volunteers/, /activities/ (with their plans, 方案),
/activity-plans/: thin adapters over the participation services and selectors, scoped and masked
exactly like the pages.

One module per resource (``common`` holds the shared error handling); this package re-exports
every name the old single ``api`` module had."""

from gongjian.participation.api.activities import (
    ActivityArchiveSerializer,
    ActivityCancelSerializer,
    ActivityCreateSerializer,
    ActivityHoldSerializer,
    ActivityHoldUploadSerializer,
    ActivitySerializer,
    ActivityUnitSerializer,
    ActivityViewSet,
    ActivityVolunteerSerializer,
    _volunteer_hours,
)
from gongjian.participation.api.activity_plans import ActivityPlanViewSet
from gongjian.participation.api.common import StaleOrRefused, _call
from gongjian.participation.api.pairings import (
    CobuildUnitSerializer,
    CobuildUnitViewSet,
    LeaderSerializer,
    ObligationSerializer,
    PairingDetailSerializer,
    PairingSerializer,
    PairingViewSet,
)
from gongjian.participation.api.rosters import (
    FrontageDutySerializer,
    FrontageDutyViewSet,
    TeamMemberSerializer,
    TeamSerializer,
    TeamViewSet,
    _MaskedListMixin,
    _shown,
)
from gongjian.participation.api.volunteers import (
    RevealRequestSerializer,
    RevealSerializer,
    VolunteerCreateSerializer,
    VolunteerSerializer,
    VolunteerViewSet,
)

__all__ = [
    "ActivityArchiveSerializer",
    "ActivityCancelSerializer",
    "ActivityCreateSerializer",
    "ActivityHoldSerializer",
    "ActivityHoldUploadSerializer",
    "ActivityPlanViewSet",
    "ActivitySerializer",
    "ActivityUnitSerializer",
    "ActivityViewSet",
    "ActivityVolunteerSerializer",
    "CobuildUnitSerializer",
    "CobuildUnitViewSet",
    "FrontageDutySerializer",
    "FrontageDutyViewSet",
    "LeaderSerializer",
    "ObligationSerializer",
    "PairingDetailSerializer",
    "PairingSerializer",
    "PairingViewSet",
    "RevealRequestSerializer",
    "RevealSerializer",
    "StaleOrRefused",
    "TeamMemberSerializer",
    "TeamSerializer",
    "TeamViewSet",
    "VolunteerCreateSerializer",
    "VolunteerSerializer",
    "VolunteerViewSet",
    "_MaskedListMixin",
    "_call",
    "_shown",
    "_volunteer_hours",
]
