"""Pages of the monthly assessment: rule sets, months, rankings and score sheets.

Thin, like every page of the project: forms check shape, services write (and decide what is
allowed), selectors read (and decide what is visible). Out-of-scope months and sheets are 404;
a role that may not manage assessments gets 403; a conflict (a published month is final) is a
message and a redirect.

The package is split along its seams (``months``: the months, their ranking page and bulletin;
``sheets``: score sheets, manual entries, adjustments; ``rulesets``; helpers in ``common``); every
page the old single module offered is re-exported here."""

from gongjian.assessments.views.common import fonts_refusal
from gongjian.assessments.views.months import (
    month_bulletin,
    month_compute,
    month_create,
    month_detail,
    month_list,
    month_publish,
)
from gongjian.assessments.views.rulesets import (
    ruleset_create,
    ruleset_detail,
    ruleset_edit,
    ruleset_export,
    ruleset_list,
)
from gongjian.assessments.views.sheets import sheet_adjust, sheet_detail, sheet_manual_entry

__all__ = [
    "fonts_refusal",
    "month_bulletin",
    "month_compute",
    "month_create",
    "month_detail",
    "month_list",
    "month_publish",
    "ruleset_create",
    "ruleset_detail",
    "ruleset_edit",
    "ruleset_export",
    "ruleset_list",
    "sheet_adjust",
    "sheet_detail",
    "sheet_manual_entry",
]
