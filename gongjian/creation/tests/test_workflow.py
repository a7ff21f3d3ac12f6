"""创建达标's pure rules: the guarded stages, the checklists and the progress towards the goals."""

import pytest

from gongjian.creation import workflow
from gongjian.creation.workflow import Action, CreationKind, Stage, TransitionError


@pytest.mark.parametrize(
    "stage, action, complete, certificate, after",
    [
        (Stage.APPLIED, Action.SELF_ASSESS, True, False, Stage.SELF_ASSESSED),
        (Stage.SELF_ASSESSED, Action.RETURN, False, False, Stage.APPLIED),
        (Stage.SELF_ASSESSED, Action.PASS, False, False, Stage.PASSED),
        (Stage.SELF_ASSESSED, Action.FAIL, False, False, Stage.FAILED),
        (Stage.PASSED, Action.CERTIFY, False, True, Stage.PASSED),
    ],
)
def test_the_allowed_moves(stage, action, complete, certificate, after):
    assert workflow.next_stage(stage, action, checklist_complete=complete, has_certificate=certificate) == after


@pytest.mark.parametrize(
    "stage, action, complete, certificate",
    [
        (Stage.APPLIED, Action.SELF_ASSESS, False, False),  # the checklist is not fully answered
        (Stage.APPLIED, Action.PASS, True, False),  # no result without a self-assessment
        (Stage.APPLIED, Action.FAIL, True, False),
        (Stage.APPLIED, Action.RETURN, True, False),
        (Stage.SELF_ASSESSED, Action.SELF_ASSESS, True, False),
        (Stage.PASSED, Action.FAIL, True, False),  # a result stands
        (Stage.FAILED, Action.PASS, True, False),
        (Stage.FAILED, Action.CERTIFY, True, True),  # no certificate for 未达标
        (Stage.PASSED, Action.CERTIFY, True, False),  # a certificate needs its file
        (Stage.PASSED, "delete", True, True),
    ],
)
def test_the_refused_moves_say_why(stage, action, complete, certificate):
    with pytest.raises(TransitionError) as error:
        workflow.next_stage(stage, action, checklist_complete=complete, has_certificate=certificate)
    assert str(error.value.message)


@pytest.mark.parametrize(
    "checklist, complete",
    [
        ([], False),
        ([{"item": "a", "met": None}], False),
        ([{"item": "a", "met": True}, {"item": "b", "met": None}], False),
        ([{"item": "a", "met": True}, {"item": "b", "met": False}], True),
        ([{"item": "a", "met": "yes"}], False),
    ],
)
def test_a_checklist_is_complete_when_every_item_is_answered(checklist, complete):
    assert workflow.checklist_complete(checklist) is complete


def test_communities_and_units_go_for_their_own_standards():
    assert CreationKind.GARDEN_COMMUNITY in workflow.kinds_for(is_community=True)
    assert CreationKind.THREE_STANDARDS not in workflow.kinds_for(is_community=True)
    assert set(workflow.kinds_for(is_community=False)) == {"civ_unit", "san_unit", "gar_unit", "sanhua"}
    assert all(workflow.checklist_for(kind) for kind in CreationKind.values)


def test_progress_counts_each_stage_against_the_goal():
    targets = [
        ("civ_community", "passed"),
        ("civ_community", "passed"),
        ("civ_community", "applied"),
        ("san_community", "failed"),
        ("sanhua", "self_assessed"),
    ]
    rows = {row.kind: row for row in workflow.progress(targets, {"civ_community": 3, "gar_unit": 2, "san_unit": 0})}
    assert set(rows) == {"civ_community", "san_community", "gar_unit", "sanhua"}
    assert (rows["civ_community"].passed, rows["civ_community"].remaining) == (2, 1)
    assert rows["civ_community"].by_stage["applied"] == 1 and rows["civ_community"].share == pytest.approx(2 / 3)
    assert rows["gar_unit"].by_stage == {s: 0 for s in Stage.values} and rows["gar_unit"].remaining == 2
    assert rows["san_community"].goal == 0 and rows["san_community"].share is None
    assert [row.kind for row in workflow.progress(targets, {})] == ["civ_community", "san_community", "sanhua"]


@pytest.mark.parametrize(
    "stage, actions",
    [
        (Stage.APPLIED, {Action.SELF_ASSESS}),
        (Stage.SELF_ASSESSED, {Action.RETURN, Action.PASS, Action.FAIL}),
        (Stage.PASSED, {Action.CERTIFY}),
        (Stage.FAILED, set()),
    ],
)
def test_the_actions_open_at_each_stage(stage, actions):
    assert set(workflow.actions_at(stage)) == actions


def test_progress_counts_the_funnel_from_application_to_result():
    pairs = [("civ_community", s) for s in ("applied", "self_assessed", "self_assessed", "passed", "failed")]
    (row,) = workflow.progress(pairs, {"civ_community": 4})
    assert (row.applied, row.self_assessed, row.reviewed, row.passed, row.failed) == (5, 4, 2, 1, 1)
    assert row.remaining == 3 and row.share == 0.25
