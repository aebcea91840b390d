import pytest

from helpcenter.duties import Duty, DutyConflict, ensure_separate_duties


@pytest.mark.parametrize("earlier", [Duty.FILE, Duty.REVIEW])
def test_whoever_filed_or_reviewed_may_not_approve(earlier):
    with pytest.raises(DutyConflict) as refused:
        ensure_separate_duties(user_id=7, duty=Duty.APPROVE, done_by={earlier: [7]})
    assert "不能" in refused.value.message


def test_whoever_approved_may_not_pay():
    with pytest.raises(DutyConflict):
        ensure_separate_duties(user_id=7, duty=Duty.PAY, done_by={Duty.APPROVE: [7]})


def test_another_person_may_approve_and_pay():
    done_by = {Duty.FILE: [1], Duty.REVIEW: [2], Duty.APPROVE: [3]}
    ensure_separate_duties(user_id=3, duty=Duty.APPROVE, done_by={Duty.FILE: [1], Duty.REVIEW: [2]})
    ensure_separate_duties(user_id=4, duty=Duty.PAY, done_by=done_by)


def test_whoever_filed_may_not_review():
    with pytest.raises(DutyConflict):
        ensure_separate_duties(user_id=1, duty=Duty.REVIEW, done_by={Duty.FILE: [1]})


def test_filing_does_not_bar_paying():
    ensure_separate_duties(user_id=1, duty=Duty.PAY, done_by={Duty.FILE: [1], Duty.APPROVE: [2]})


def test_nobody_recorded_yet_conflicts_with_nobody():
    ensure_separate_duties(user_id=1, duty=Duty.APPROVE, done_by={Duty.FILE: [None]})
