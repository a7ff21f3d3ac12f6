"""创建达标: the kinds a unit can go for, the checklists, the guarded stages and the city's progress
towards the year's targets. Pure: plain values in and out.

    application ──self_assess──▶ self-assessed ──pass──▶ 达标 ──certify──▶ 达标 (with certificate)
         ▲                            │  └──fail──▶ 未达标
         └───────────return───────────┘
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class CreationKind(models.TextChoices):
    CIVILISED_COMMUNITY = "civ_community", _("Civilised community (文明社区)")
    SANITARY_COMMUNITY = "san_community", _("Sanitary community (卫生社区)")
    GARDEN_COMMUNITY = "gar_community", _("Garden community (园林社区)")
    CIVILISED_UNIT = "civ_unit", _("Civilised unit (文明单位)")
    SANITARY_UNIT = "san_unit", _("Sanitary unit (卫生单位)")
    GARDEN_UNIT = "gar_unit", _("Garden unit (园林单位)")
    THREE_STANDARDS = "sanhua", _("Three standards met (三化达标)")


COMMUNITY_KINDS = (CreationKind.CIVILISED_COMMUNITY, CreationKind.SANITARY_COMMUNITY, CreationKind.GARDEN_COMMUNITY)
UNIT_KINDS = (
    CreationKind.CIVILISED_UNIT,
    CreationKind.SANITARY_UNIT,
    CreationKind.GARDEN_UNIT,
    CreationKind.THREE_STANDARDS,
)


class Stage(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SELF_ASSESSED = "self_assessed", _("Self-assessed, awaiting review")
    PASSED = "passed", _("Standard met (达标)")
    FAILED = "failed", _("Standard not met (未达标)")


class Action(models.TextChoices):
    SELF_ASSESS = "self_assess", _("Submit the self-assessment")
    RETURN = "return", _("Return for another self-assessment")
    PASS = "pass", _("Standard met")
    FAIL = "fail", _("Standard not met")
    CERTIFY = "certify", _("Attach the certificate")


#: The actions only the city office's reviewers take; the others are the unit's own.
REVIEW_ACTIONS = frozenset({Action.RETURN, Action.PASS, Action.FAIL, Action.CERTIFY})

#: What the unit checks itself against, per kind (the city's standard items, abridged).
CHECKLISTS: dict[str, tuple[str, ...]] = {
    CreationKind.CIVILISED_COMMUNITY: (
        "共建组织健全，结对共建单位责任书签订",
        "文明创建宣传阵地规范，定期更新",
        "志愿服务队伍常态化开展活动",
        "社区环境整洁，无乱堆乱放",
    ),
    CreationKind.SANITARY_COMMUNITY: (
        "卫生管理制度健全，专人负责",
        "垃圾日产日清，分类投放",
        "病媒生物防制达标",
        "公共厕所、楼道保洁到位",
    ),
    CreationKind.GARDEN_COMMUNITY: ("绿地率达到标准", "绿化养护责任落实", "无毁绿、占绿现象"),
    CreationKind.CIVILISED_UNIT: ("领导班子重视，创建机构健全", "参与共建社区活动", "单位内外环境整洁有序"),
    CreationKind.SANITARY_UNIT: ("卫生管理制度健全", "室内外环境卫生整洁", "控烟措施落实"),
    CreationKind.GARDEN_UNIT: ("绿地率达到标准", "绿化养护到位"),
    CreationKind.THREE_STANDARDS: ("绿化达标", "净化达标", "美化达标"),
}


class TransitionError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def actions_at(stage: str) -> tuple[str, ...]:
    """The actions the workflow allows at ``stage`` (who may take them is the services' question)."""
    return tuple(action for (at, action) in _MOVES if at == stage)


def kinds_for(*, is_community: bool) -> tuple[str, ...]:
    return COMMUNITY_KINDS if is_community else UNIT_KINDS


def checklist_for(kind: str) -> list[dict]:
    """A fresh checklist: every item unanswered."""
    return [{"item": item, "met": None} for item in CHECKLISTS[kind]]


def checklist_complete(checklist: Iterable[Mapping]) -> bool:
    items = list(checklist)
    return bool(items) and all(isinstance(row.get("met"), bool) for row in items)


_MOVES = {
    (Stage.APPLIED, Action.SELF_ASSESS): Stage.SELF_ASSESSED,
    (Stage.SELF_ASSESSED, Action.RETURN): Stage.APPLIED,
    (Stage.SELF_ASSESSED, Action.PASS): Stage.PASSED,
    (Stage.SELF_ASSESSED, Action.FAIL): Stage.FAILED,
    (Stage.PASSED, Action.CERTIFY): Stage.PASSED,
}


def next_stage(stage: str, action: str, *, checklist_complete: bool = False, has_certificate: bool = False) -> str:
    """The stage after ``action``, or TransitionError saying why not."""
    target = _MOVES.get((stage, action))
    if target is None:
        raise TransitionError(
            _("“%(action)s” is not possible at the stage “%(stage)s”.")
            % {"action": Action(action).label if action in Action.values else action, "stage": Stage(stage).label}
        )
    if action == Action.SELF_ASSESS and not checklist_complete:
        raise TransitionError(_("Answer every item of the checklist before submitting the self-assessment."))
    if action == Action.CERTIFY and not has_certificate:
        raise TransitionError(_("Attach the certificate file."))
    return target


@dataclass(frozen=True)
class Progress:
    kind: str
    goal: int  # the city's target number for the year (0: none set)
    by_stage: dict[str, int]

    @property
    def passed(self) -> int:
        return self.by_stage.get(Stage.PASSED, 0)

    @property
    def failed(self) -> int:
        return self.by_stage.get(Stage.FAILED, 0)

    @property
    def reviewed(self) -> int:
        """Targets with the city's result (达标 or 未达标)."""
        return self.passed + self.failed

    @property
    def self_assessed(self) -> int:
        """Targets that have submitted their self-assessment (awaiting review or reviewed)."""
        return self.by_stage.get(Stage.SELF_ASSESSED, 0) + self.reviewed

    @property
    def applied(self) -> int:
        """Every application of the year, whatever its stage."""
        return sum(self.by_stage.values())

    @property
    def remaining(self) -> int:
        return max(self.goal - self.passed, 0)

    @property
    def share(self) -> float | None:
        return None if not self.goal else min(self.passed / self.goal, 1.0)


def progress(targets: Iterable[tuple[str, str]], goals: Mapping[str, int]) -> list[Progress]:
    """Per kind (in the choices' order): the city's goal and how many targets stand at each stage.
    ``targets``: (kind, stage) pairs of one year. Kinds with neither a goal nor a target are left out."""
    counts: dict[str, dict[str, int]] = {}
    for kind, stage in targets:
        counts.setdefault(kind, {s: 0 for s in Stage.values})[stage] += 1
    rows = []
    for kind in CreationKind.values:
        if kind not in counts and not goals.get(kind):
            continue
        rows.append(
            Progress(kind=kind, goal=int(goals.get(kind, 0)), by_stage=counts.get(kind, {s: 0 for s in Stage.values}))
        )
    return rows
