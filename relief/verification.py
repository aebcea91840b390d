"""Payment verification (回访核实): after a batch is paid, a supervisor draws a random sample of
the paid households to call or visit, and each is asked once whether the money arrived.

The population is the households paid by unreversed payment lines the supervisor can see — of a
campaign, or of a programme in a period. Its size N, the formula and the sample size n are shown
before anything is drawn (relief.sampling); the draw records its seed and the households it drew
from, so it can be reproduced. A "not received" opens a measure of the household's help plan
(households.services.measure_add) with a target date. Checks are never deleted, answered or not.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from helpcenter.models import User, in_scope
from households.services import HouseholdError, measure_add
from relief import sampling
from relief.models import (
    Answer,
    Campaign,
    Disbursement,
    LineKind,
    Programme,
    VerificationCheck,
    VerificationSample,
)

FOLLOW_UP_DAYS = 14


class VerificationError(DomainError):
    pass


@dataclass
class Population:
    """The paid households a sample is drawn from: household id → (line id, union id)."""

    lines: dict[int, tuple[int, int]]
    campaign: Campaign | None = None
    programme: Programme | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def size(self) -> int:
        return len(self.lines)

    def describe(self) -> dict:
        return {
            "campaign": self.campaign.pk if self.campaign else None,
            "campaign_name": self.campaign.name if self.campaign else "",
            "programme": self.programme.pk if self.programme else None,
            "programme_name": self.programme.name if self.programme else "",
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "households": sorted(self.lines),
        }


@dataclass
class SizePlan:
    population: int
    confidence: Decimal
    margin: Decimal
    z: float
    n0: float
    n: int


def paid_population(
    *,
    actor: User,
    campaign: Campaign | None = None,
    programme: Programme | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Population:
    """The households paid (an unreversed payment line) that `actor` can see, of a campaign or
    of a programme in a period; each with its latest such line."""
    if campaign is None and programme is None:
        raise VerificationError(_("Choose a campaign, or a programme and a period."))
    if campaign is None and (date_from is None or date_to is None):
        raise VerificationError(_("Enter the period the payments were made in (from and to)."))
    if date_from and date_to and date_from > date_to:
        raise VerificationError(_("The period ends before it starts: swap the two dates."))
    lines = Disbursement.objects.visible_to(actor).filter(
        kind=LineKind.PAYMENT, reversal__isnull=True
    )
    if campaign is not None:
        lines = lines.filter(entitlement__campaign=campaign)
    if programme is not None:
        lines = lines.filter(programme=programme)
    if date_from:
        lines = lines.filter(paid_on__gte=date_from)
    if date_to:
        lines = lines.filter(paid_on__lte=date_to)
    found: dict[int, tuple[int, int]] = {}
    for household_id, line_id, union_id in lines.order_by("paid_on", "id").values_list(
        "household_id", "id", "union_id"
    ):
        found[household_id] = (line_id, union_id)  # the latest line of each household wins
    return Population(
        lines=found,
        campaign=campaign,
        programme=programme,
        date_from=date_from,
        date_to=date_to,
    )


def size_plan(*, population: int, confidence: Decimal, margin: Decimal) -> SizePlan:
    try:
        return SizePlan(
            population=population,
            confidence=confidence,
            margin=margin,
            z=sampling.z_for(confidence),
            n0=sampling.initial_size(confidence=confidence, margin=margin),
            n=sampling.sample_size(population=population, confidence=confidence, margin=margin),
        )
    except ValueError:
        raise VerificationError(
            _("The confidence level and the margin of error are between 0 and 1 (e.g. 0.95, 0.05).")
        ) from None


@transaction.atomic
def sample_draw(
    *,
    actor: User,
    title: str,
    population: Population,
    confidence: Decimal,
    margin: Decimal,
    stratified: bool = False,
    seed: int | None = None,
) -> VerificationSample:
    """Draw the sample: n households of the population at random (by union when stratified),
    one unanswered check each. The seed is recorded."""
    if not actor.has_perm("relief.draw_sample"):
        raise VerificationError(_("Only a supervisor draws a verification sample."))
    title = (title or "").strip()
    if not title:
        raise VerificationError(_("Give the sample a title, e.g. 2027年春节送温暖回访."))
    plan = size_plan(population=population.size, confidence=confidence, margin=margin)
    if plan.n == 0:
        raise VerificationError(_("No paid household matches: there is nothing to verify."))
    for _line_id, union_id in population.lines.values():
        if not in_scope(actor, union_id):
            raise VerificationError(_("Some of these payments belong to another union."))
    seed = secrets.randbits(48) if seed is None else seed
    strata = {h: union for h, (_line, union) in population.lines.items()} if stratified else None
    chosen = sampling.draw(list(population.lines), plan.n, seed=seed, strata=strata)
    sample = VerificationSample.objects.create(
        title=title,
        union_id=actor.union_id,
        population=population.describe(),
        population_size=plan.population,
        confidence=confidence,
        margin=margin,
        sample_size=plan.n,
        seed=seed,
        stratified=stratified,
        drawn_by=actor,
    )
    VerificationCheck.objects.bulk_create(
        VerificationCheck(
            sample=sample,
            household_id=household_id,
            disbursement_id=population.lines[household_id][0],
            union_id=population.lines[household_id][1],
        )
        for household_id in chosen
    )
    return sample


@transaction.atomic
def check_answer(
    *,
    actor: User,
    check: VerificationCheck,
    answer: str,
    note: str = "",
    follow_up_on: datetime.date | None = None,
) -> VerificationCheck:
    """Record the one answer of a check, with who asked and when; a "not received" opens a
    follow-up measure on the household."""
    check = (
        VerificationCheck.objects.select_for_update(of=("self",))
        .select_related("household", "disbursement__programme", "asked_by")
        .get(pk=check.pk)
    )
    if not actor.has_perm("relief.answer_check"):
        raise VerificationError(_("Only caseworkers and supervisors record verification answers."))
    if not in_scope(actor, check.union_id):
        raise VerificationError(_("This household belongs to another union."))
    if check.answer:
        raise VerificationError(
            _("This check was already answered by %(who)s on %(when)s; an answer is not changed.")
            % {
                "who": check.asked_by,
                "when": f"{timezone.localtime(check.asked_at):%Y-%m-%d %H:%M}",
            }
        )
    if answer not in Answer.values:
        raise VerificationError(
            _("Choose the answer: received, not received, a problem, or unreachable.")
        )
    note = (note or "").strip()
    if answer in (Answer.NOT_RECEIVED, Answer.PROBLEM) and not note:
        raise VerificationError(_("Write down what the household said."))
    if answer == Answer.NOT_RECEIVED:
        line = check.disbursement
        target = follow_up_on or timezone.localdate() + datetime.timedelta(days=FOLLOW_UP_DAYS)
        description = _(
            "Payment verification: %(programme)s of %(amount)s yuan paid on %(date)s (voucher "
            "%(voucher)s) not received — find out why"
        ) % {
            "programme": line.programme.name,
            "amount": line.amount,
            "date": f"{line.paid_on:%Y-%m-%d}",
            "voucher": line.voucher_number,
        }
        try:
            check.follow_up = measure_add(
                actor=actor,
                household=check.household,
                description=description[:200],
                owner=(actor.name or actor.username)[:50],
                target_date=target,
            )
        except HouseholdError as error:
            raise VerificationError(error.message) from None
    check.answer, check.note = answer, note
    check.asked_by, check.asked_at = actor, timezone.now()
    check.save(update_fields=["answer", "note", "asked_by", "asked_at", "follow_up"])
    return check


def samples_visible_to(user):
    """A sample is seen by those who see its union, and by grassroots staff with a check in it."""
    checks = VerificationCheck.objects.visible_to(user)
    own = VerificationSample.objects.visible_to(user)
    return VerificationSample.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=checks.values("sample_id"))
    )
