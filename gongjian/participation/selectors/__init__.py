"""Reads of participation, always scoped through the access module. Volunteers' phone and ID
numbers are masked here (``present_volunteers``) for every role, except on the volunteer's own
record; a full number is shown only when revealed on purpose (``services.volunteer_reveal``).
Stairwell heads' and 门前三包 phones are shown to those holding ``Perm.PERSONAL_DATA_VIEW``; the
caller audits what it shows in full (``services.personal_data_view_record``).

The package is split along its seams (``volunteers``, ``activities`` with the diversity table,
``pairings`` with obligations and the ranking, ``rosters``: teams, stairwell heads, frontage
duties); every name the old single module offered is re-exported here, so callers keep
``from gongjian.participation import selectors``."""

from gongjian.participation.selectors.activities import (
    CalendarDay,
    DiversityRow,
    activities_overdue,
    activities_visible,
    activity_calendar,
    activity_get,
    activity_list,
    activity_photo_get,
    activity_types,
    diversity_table,
    month_bounds,
    quarter_bounds,
)
from gongjian.participation.selectors.pairings import (
    ObligationLine,
    PairingRecord,
    RankingRow,
    cobuild_units_visible,
    obligation_lines,
    pairing_get,
    pairing_record,
    pairings_visible,
    participation_ranking,
)
from gongjian.participation.selectors.rosters import (
    CommunityRoster,
    community_roster,
    frontage_duties_visible,
    frontage_duty_get,
    frontage_duty_problems,
    revealed_communities,
    stairwell_heads_visible,
    teams_visible,
)
from gongjian.participation.selectors.volunteers import (
    ServiceLine,
    VolunteerRow,
    communities_for,
    import_batch_get,
    pending_sign_ups,
    present_volunteer,
    present_volunteers,
    volunteer_get,
    volunteer_list,
    volunteer_manageable,
    volunteer_service,
    volunteers_visible,
    with_reveal,
)

__all__ = [
    "CalendarDay",
    "CommunityRoster",
    "DiversityRow",
    "ObligationLine",
    "PairingRecord",
    "RankingRow",
    "ServiceLine",
    "VolunteerRow",
    "activities_overdue",
    "activities_visible",
    "activity_calendar",
    "activity_get",
    "activity_list",
    "activity_photo_get",
    "activity_types",
    "cobuild_units_visible",
    "communities_for",
    "community_roster",
    "diversity_table",
    "frontage_duties_visible",
    "frontage_duty_get",
    "frontage_duty_problems",
    "import_batch_get",
    "month_bounds",
    "obligation_lines",
    "pairing_get",
    "pairing_record",
    "pairings_visible",
    "participation_ranking",
    "pending_sign_ups",
    "present_volunteer",
    "present_volunteers",
    "quarter_bounds",
    "revealed_communities",
    "stairwell_heads_visible",
    "teams_visible",
    "volunteer_get",
    "volunteer_list",
    "volunteer_manageable",
    "volunteer_service",
    "volunteers_visible",
    "with_reveal",
]
