"""Pages of the monthly assessment: rule sets, months, rankings and score sheets.

Thin, like every page of the project: forms check shape, services write (and decide what is
allowed), selectors read (and decide what is visible). Out-of-scope months and sheets are 404;
a role that may not manage assessments gets 403; a conflict (a published month is final) is a
message and a redirect.

Split along its seams: ``months`` (list, create, compute, publish, the month's page, the
bulletin), ``sheets`` (a unit's score sheet, manual scores, adjustments), ``rules`` (rule sets);
shared helpers in ``common``. Every name the single module offered is re-exported here."""

from gongjian.assessments.views.common import _label, _month, _pct, fonts_refusal
from gongjian.assessments.views.months import (
    month_bulletin,
    month_compute,
    month_create,
    month_detail,
    month_list,
    month_publish,
)
from gongjian.assessments.views.rules import ruleset_create, ruleset_detail, ruleset_edit, ruleset_export, ruleset_list
from gongjian.assessments.views.sheets import sheet_adjust, sheet_detail, sheet_manual_entry

__all__ = [
    "_label",
    "_month",
    "_pct",
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
