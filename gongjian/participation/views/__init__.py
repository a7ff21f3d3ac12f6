"""Pages of participation. Thin: forms in, services and selectors called, pages out.

The package is split along its seams (``activities``, ``imports``, ``pairings``, ``rosters``, ``volunteers``); every
name the old single module offered is re-exported here."""

from gongjian.participation.views.activities import (
    activity_calendar,
    activity_create,
    activity_detail,
    activity_export,
    activity_export_build,
    activity_list,
    activity_photo,
    diversity,
)
from gongjian.participation.views.imports import (
    import_cancel,
    import_confirm,
    import_template,
)
from gongjian.participation.views.lifecycle import activity_archive, activity_cancel, activity_hold
from gongjian.participation.views.pairings import pairing_detail, pairing_letter_file, pairing_list
from gongjian.participation.views.plans import activity_plan, activity_plan_decide, plans_awaiting
from gongjian.participation.views.rosters import community_roster, frontage_duty, frontage_pledge, team_communities
from gongjian.participation.views.volunteers import (
    my_service,
    volunteer_create,
    volunteer_detail,
    volunteer_export,
    volunteer_export_build,
    volunteer_list,
    volunteer_reveal,
    volunteer_review,
    volunteer_sanction,
    volunteer_sign_up,
)

__all__ = [
    "activity_plan",
    "activity_plan_decide",
    "plans_awaiting",
    "activity_archive",
    "activity_calendar",
    "activity_cancel",
    "activity_create",
    "activity_detail",
    "activity_export",
    "activity_export_build",
    "activity_hold",
    "activity_list",
    "activity_photo",
    "community_roster",
    "diversity",
    "frontage_duty",
    "frontage_pledge",
    "import_cancel",
    "import_confirm",
    "import_template",
    "my_service",
    "pairing_detail",
    "pairing_letter_file",
    "pairing_list",
    "team_communities",
    "volunteer_create",
    "volunteer_detail",
    "volunteer_export",
    "volunteer_export_build",
    "volunteer_list",
    "volunteer_reveal",
    "volunteer_review",
    "volunteer_sanction",
    "volunteer_sign_up",
]
