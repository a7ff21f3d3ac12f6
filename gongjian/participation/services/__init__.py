"""Writes of participation: volunteers, activities, pairings' letters, obligations and leaders.
Every write checks the actor's permission at the unit concerned, runs in a transaction and is
audited. Personal data is validated and sealed here (see ``privacy.py``).

The package is split along its seams (``activities``, ``imports``, ``pairings``, ``rosters``, ``volunteers``); every
name the old single module offered is re-exported here."""

from gongjian.participation.services._common import _require_at, city_of
from gongjian.participation.services.activities import (
    UnitAttendance,
    VolunteerHours,
    activity_record,
    check_captions,
    check_volunteer_hours,
    save_photos,
)
from gongjian.participation.services.imports import (
    PurgeResult,
    check_rows,
    import_cancel,
    import_confirm,
    import_preview,
    import_sheet_content,
    import_upload,
    imports_purge,
    volunteers_bulk_save,
)
from gongjian.participation.services.lifecycle import activity_archive, activity_cancel, activity_hold
from gongjian.participation.services.pairings import (
    leader_change,
    obligation_add,
    obligation_record_add,
    pairing_letter_set,
    theme_set,
)
from gongjian.participation.services.rosters import (
    FRONTAGE_CATEGORY,
    _clean_contact,
    duty_shift_record,
    frontage_duty_add,
    frontage_problem_link,
    stairwell_head_set,
    team_member_add,
)
from gongjian.participation.services.volunteers import (
    Revealed,
    VolunteerData,
    clean_volunteer,
    personal_data_view_record,
    volunteer_register,
    volunteer_reveal,
    volunteer_review,
    volunteer_sanction_add,
    volunteer_sign_up,
)

__all__ = [
    "Revealed",
    "volunteer_reveal",
    "FRONTAGE_CATEGORY",
    "PurgeResult",
    "UnitAttendance",
    "VolunteerData",
    "VolunteerHours",
    "_clean_contact",
    "_require_at",
    "activity_archive",
    "activity_cancel",
    "activity_hold",
    "activity_record",
    "check_captions",
    "check_rows",
    "import_sheet_content",
    "check_volunteer_hours",
    "city_of",
    "clean_volunteer",
    "duty_shift_record",
    "frontage_duty_add",
    "frontage_problem_link",
    "import_cancel",
    "import_confirm",
    "import_preview",
    "import_upload",
    "imports_purge",
    "leader_change",
    "obligation_add",
    "obligation_record_add",
    "pairing_letter_set",
    "personal_data_view_record",
    "save_photos",
    "stairwell_head_set",
    "team_member_add",
    "theme_set",
    "volunteer_register",
    "volunteer_review",
    "volunteer_sanction_add",
    "volunteer_sign_up",
    "volunteers_bulk_save",
]
