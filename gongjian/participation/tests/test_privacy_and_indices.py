"""Pure rules worked out by hand: ID numbers, phones, masking, sealing; the participation index
and the diversity of activities."""

from decimal import Decimal

import pytest

from gongjian.participation import indices, privacy
from gongjian.participation.tests.factories import id_number, wrong_check_digit

# --- ID numbers and phones ----------------------------------------------------------------------


def test_the_check_digit_follows_iso_7064_mod_11_2():
    # The standard's published example: 11010519491231002X.
    assert privacy.id_check_digit("11010519491231002") == "X"
    assert privacy.id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("11010519491231002X", None),
        ("110105194912310021", "checksum"),
        ("1101051949123100", "length"),
        ("11010519491231002Y", "characters"),
        ("110105194913310028", "birth_date"),
    ],
)
def test_it_names_what_is_wrong_with_an_id_number(value, problem):
    assert privacy.id_number_problem(value) == problem


def test_a_typing_error_in_any_digit_is_caught():
    good = id_number(7)
    assert privacy.id_number_problem(good) is None
    assert privacy.id_number_problem(wrong_check_digit(good)) == "checksum"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("13812345678", True),
        ("+86 138-1234-5678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("021-12345678", False),
    ],
)
def test_only_mainland_mobile_numbers_are_accepted(raw, ok):
    assert (privacy.phone_problem(privacy.normalise_phone(raw)) is None) is ok


def test_masks_keep_the_first_three_and_last_four_of_a_phone_and_the_last_four_of_an_id():
    assert privacy.mask_phone("13812341234") == "138****1234"
    assert privacy.mask_id_last4("002X") == "**************002X"
    assert privacy.mask_id_last4("") == ""


def test_sealing_an_id_number_hides_it_and_the_hash_finds_duplicates(settings):
    value = id_number(3)
    token = privacy.encrypt_id_number(value)
    assert value not in token
    assert privacy.decrypt_id_number(token) == value
    assert privacy.id_number_hash(value) == privacy.id_number_hash(value)
    assert privacy.id_number_hash(value) != privacy.id_number_hash(id_number(4))


def test_without_a_key_and_with_debug_off_it_refuses_to_run(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ID_NUMBER_KEY = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        privacy.encrypt_id_number(id_number(1))


# --- participation index ------------------------------------------------------------------------


def _inputs(**kw):
    base = dict(held=4, joined=2, head_joined=1, obligations=[], leader_changes=0, has_leader=True, month=6)
    return indices.IndexInputs(**{**base, **kw})


def test_the_index_of_a_unit_worked_out_by_hand():
    """GIVEN 4 activities held, 2 joined, the head at 1; obligations 4/year with 1 done by June
    (due 2 → 0.5) and 2/year with 1 done (due 1 → 1); one leader, no change
    THEN A = 0.5, H = 0.5, O = 0.75, S = 1 and the index = 100 × (0.175 + 0.075 + 0.225 + 0.2) = 67.5."""
    result = indices.participation_index(
        _inputs(obligations=[indices.ObligationProgress(4, 1), indices.ObligationProgress(2, 1)])
    )
    assert (result.attendance, result.head, result.obligations, result.stability) == (
        Decimal("0.500"),
        Decimal("0.500"),
        Decimal("0.750"),
        Decimal("1.000"),
    )
    assert result.index == Decimal("67.5")
    assert not result.perfunctory


def test_a_unit_that_joins_nothing_has_no_letter_and_changes_its_leader_twice_is_perfunctory():
    result = indices.participation_index(_inputs(joined=0, head_joined=0, leader_changes=2))
    # A = 0, H = 0, O = 0, S = 1/3 → 100 × 0.2 / 3 = 6.7
    assert result.index == Decimal("6.7")
    assert result.perfunctory


def test_when_nothing_was_held_attendance_counts_as_full_and_without_a_leader_stability_is_zero():
    result = indices.participation_index(_inputs(held=0, joined=0, head_joined=0, has_leader=False))
    assert result.attendance == 1 and result.stability == 0
    assert result.index == Decimal("35.0")


def test_progress_beyond_the_target_counts_as_met_not_more():
    result = indices.participation_index(_inputs(obligations=[indices.ObligationProgress(4, 10)]))
    assert result.obligations == Decimal("1.000")


def test_the_month_must_be_a_month():
    with pytest.raises(ValueError):
        indices.participation_index(_inputs(month=13))


# --- diversity ----------------------------------------------------------------------------------


def test_a_community_doing_only_clean_ups_is_flagged_with_zero_diversity():
    result = indices.diversity({"环境整治": 9}, types_in_use=9)
    assert (result.total, result.kinds, result.normalised, result.single_kind) == (9, 1, 0.0, True)


def test_four_types_equally_often_out_of_nine_give_ln4_over_ln9():
    result = indices.diversity({"a": 2, "b": 2, "c": 2, "d": 2}, types_in_use=9)
    # H = ln 4 = 1.3863; J = ln 4 / ln 9 = 0.6309
    assert result.entropy == pytest.approx(1.3863, abs=1e-4)
    assert result.normalised == pytest.approx(0.6309, abs=1e-4)
    assert not result.single_kind


def test_eight_clean_ups_and_two_festivals_are_still_essentially_one_kind():
    result = indices.diversity({"cleanup": 8, "festival": 2}, types_in_use=9)
    assert result.top_share == 0.8 and result.single_kind
    assert result.normalised == pytest.approx(0.2277, abs=1e-4)  # (−0.8 ln 0.8 − 0.2 ln 0.2) / ln 9


def test_no_activity_at_all_is_not_flagged_as_one_kind_but_has_no_diversity():
    result = indices.diversity({}, types_in_use=9)
    assert (result.total, result.normalised, result.single_kind) == (0, 0.0, False)


def test_ties_share_a_rank():
    assert indices.competition_ranks([Decimal(90), Decimal(80), Decimal(80), Decimal(70)]) == [1, 2, 2, 4]
