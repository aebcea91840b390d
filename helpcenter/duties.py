"""Segregation of duties (不相容岗位分离).

Whoever filed an item may not review it; whoever filed or reviewed it may not approve it; whoever
approved it may not pay it (filer ≠ reviewer ≠ approver ≠ payer).
Every service that approves or pays asks `ensure_separate_duties` first, with the people who
did the earlier steps of that item; it raises `DutyConflict` with a message staff can act on.
"""

from collections.abc import Iterable, Mapping

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpcenter.errors import DomainError


class Duty(models.TextChoices):
    FILE = "file", _("filed")
    REVIEW = "review", _("reviewed")
    APPROVE = "approve", _("approved")
    PAY = "pay", _("paid")


# A duty → the earlier duties on the same item that exclude the same person from it.
CONFLICTING_DUTIES: dict[str, tuple[str, ...]] = {
    Duty.REVIEW: (Duty.FILE,),
    Duty.APPROVE: (Duty.FILE, Duty.REVIEW),
    Duty.PAY: (Duty.APPROVE,),
}

_ACTION = {
    Duty.FILE: _("file"),
    Duty.REVIEW: _("review"),
    Duty.APPROVE: _("approve"),
    Duty.PAY: _("pay"),
}


class DutyConflict(DomainError):
    pass


def ensure_separate_duties(
    *, user_id: int, duty: str, done_by: Mapping[str, Iterable[int | None]]
) -> None:
    """Refuse `duty` to `user_id` if they did a conflicting earlier duty on the same item."""
    for earlier in CONFLICTING_DUTIES.get(duty, ()):
        if user_id in set(done_by.get(earlier, ())):
            raise DutyConflict(
                gettext(
                    "You %(earlier)s this item, so you may not %(action)s it: "
                    "another colleague with that role must do it."
                )
                % {"earlier": Duty(earlier).label, "action": _ACTION[Duty(duty)]}
            )
