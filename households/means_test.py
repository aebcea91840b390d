"""The means test: suggest a category and a degree, and say why.

One place decides eligibility. It reads the county's standard and thresholds in force on the
day, computes per-capita income, applies the rules of DOMAIN.md in order, and returns the result
with a readable explanation that is stored with the decision.

Rules (all multiples are data in ClassificationPolicy):
- an exclusion (two homes, a business employing others, a costly private school, a motor
  vehicle) → not eligible;
- receives the minimum-living allowance → 低保户;
- per-capita income ≤ near multiple × standard and (income − rigid expenses) ÷ size ≤ the
  near-line multiple after rigid expenses × standard → 低保边缘户;
- a sudden blow (cause illness or accident, and the year's hardship costs above the cost share
  of annual income) with per-capita income ≤ accident multiple × standard → 意外致困户;
- otherwise not eligible.
Degree, for eligible households: (income − rigid expenses) ÷ size compared with the severe and
serious multiples of the standard → 特困 / 重困 / 一般困难.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from households.choices import Category, Cause, Degree
from households.models import ClassificationPolicy, Household, LivingStandard

CENT = Decimal("0.01")
DEFAULT_POLICY_SINCE = date(2000, 1, 1)
SUDDEN_BLOW_CAUSES = {Cause.ILLNESS, Cause.ACCIDENT, Cause.DISABILITY}


class NoStandardInForce(DomainError):
    pass


@dataclass(frozen=True)
class MeansTestInput:
    size: int
    monthly_income: Decimal
    monthly_rigid_expenses: Decimal
    annual_hardship_costs: Decimal
    receives_subsistence_allowance: bool
    causes: tuple[str, ...]
    exclusions: tuple[str, ...]

    @classmethod
    def of(cls, household: Household) -> "MeansTestInput":
        exclusion_fields = [
            "owns_several_homes",
            "runs_business_with_employees",
            "child_at_costly_private_school",
            "uses_motor_vehicle",
        ]
        return cls(
            size=household.size,
            monthly_income=household.monthly_income,
            monthly_rigid_expenses=household.monthly_rigid_expenses,
            annual_hardship_costs=household.annual_hardship_costs,
            receives_subsistence_allowance=household.receives_subsistence_allowance,
            causes=tuple(household.causes),
            exclusions=tuple(
                str(Household._meta.get_field(name).verbose_name)
                for name in exclusion_fields
                if getattr(household, name)
            ),
        )


@dataclass
class MeansTestResult:
    category: str
    degree: str
    per_capita_income: Decimal
    adjusted_per_capita: Decimal
    standard: LivingStandard
    policy: ClassificationPolicy
    reasons: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "\n".join(self.reasons)

    @property
    def category_label(self) -> str:
        label = Category(self.category).label
        return f"{label} · {Degree(self.degree).label}" if self.degree else str(label)


def standard_in_force(*, county_id: int, on: date) -> LivingStandard:
    standard = (
        LivingStandard.objects.filter(county_id=county_id, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if standard is None:
        raise NoStandardInForce(
            _(
                "No minimum-living standard is in force on %(day)s. An administrator enters it "
                "under Administration → Minimum-living standards."
            )
            % {"day": on.isoformat()}
        )
    return standard


def policy_in_force(*, county_id: int, on: date) -> ClassificationPolicy:
    """The thresholds in force; a county that has entered none gets DOMAIN.md's defaults as its
    first record (from 2000-01-01), which an administrator edits or supersedes."""
    policy = (
        ClassificationPolicy.objects.filter(county_id=county_id, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        policy, _created = ClassificationPolicy.objects.get_or_create(
            county_id=county_id, effective_from=DEFAULT_POLICY_SINCE
        )
        if policy.effective_from > on:
            raise NoStandardInForce(
                _("No classification thresholds are in force on %(day)s.") % {"day": on.isoformat()}
            )
    return policy


def _yuan(amount: Decimal) -> str:
    return f"{amount.quantize(CENT, ROUND_HALF_UP):,} 元"


def evaluate(
    facts: MeansTestInput, *, standard: LivingStandard, policy: ClassificationPolicy
) -> MeansTestResult:
    """Apply the rules to the facts. Pure: no database access."""
    line = standard.monthly_amount
    per_capita = (facts.monthly_income / facts.size).quantize(CENT, ROUND_HALF_UP)
    adjusted = (
        max(facts.monthly_income - facts.monthly_rigid_expenses, Decimal(0)) / facts.size
    ).quantize(CENT, ROUND_HALF_UP)
    result = MeansTestResult(
        category=Category.NOT_ELIGIBLE,
        degree="",
        per_capita_income=per_capita,
        adjusted_per_capita=adjusted,
        standard=standard,
        policy=policy,
    )
    reasons = result.reasons
    reasons.append(
        _(
            "Minimum-living standard %(line)s per person per month, in force from %(since)s; "
            "thresholds in force from %(policy_since)s."
        )
        % {
            "line": _yuan(line),
            "since": standard.effective_from.isoformat(),
            "policy_since": policy.effective_from.isoformat(),
        }
    )
    reasons.append(
        _("Per-capita income: %(income)s ÷ %(size)d people = %(per_capita)s per month.")
        % {
            "income": _yuan(facts.monthly_income),
            "size": facts.size,
            "per_capita": _yuan(per_capita),
        }
    )
    if facts.exclusions:
        reasons.append(
            _("Excluded: %(exclusions)s. Not in hardship whatever the income.")
            % {"exclusions": "、".join(facts.exclusions)}
        )
        return result

    near_line = (line * policy.near_multiple).quantize(CENT, ROUND_HALF_UP)
    near_adjusted_line = (line * policy.near_adjusted_multiple).quantize(CENT, ROUND_HALF_UP)
    accident_line = (line * policy.accident_income_multiple).quantize(CENT, ROUND_HALF_UP)
    annual_income = facts.monthly_income * 12
    sudden_blow = bool(SUDDEN_BLOW_CAUSES.intersection(facts.causes)) and (
        facts.annual_hardship_costs > annual_income * policy.accident_cost_share
    )
    if facts.receives_subsistence_allowance:
        result.category = Category.SUBSISTENCE
        reasons.append(
            _("Receives the minimum-living allowance: minimum-living allowance household.")
        )
    elif per_capita <= near_line and adjusted <= near_adjusted_line:
        result.category = Category.NEAR_SUBSISTENCE
        reasons.append(
            _(
                "%(per_capita)s is at most %(multiple)s × the standard (%(near_line)s), and after "
                "rigid expenses %(adjusted)s is at most %(adjusted_line)s: near the line."
            )
            % {
                "per_capita": _yuan(per_capita),
                "multiple": policy.near_multiple,
                "near_line": _yuan(near_line),
                "adjusted": _yuan(adjusted),
                "adjusted_line": _yuan(near_adjusted_line),
            }
        )
    elif sudden_blow and per_capita <= accident_line:
        result.category = Category.ACCIDENT
        reasons.append(
            _(
                "Hardship costs this year %(costs)s exceed %(share)s of annual income %(annual)s, "
                "and %(per_capita)s is at most %(multiple)s × the standard (%(accident_line)s): "
                "hardship from accident or illness."
            )
            % {
                "costs": _yuan(facts.annual_hardship_costs),
                "share": f"{policy.accident_cost_share * 100:.0f}%",
                "annual": _yuan(annual_income),
                "per_capita": _yuan(per_capita),
                "multiple": policy.accident_income_multiple,
                "accident_line": _yuan(accident_line),
            }
        )
    else:
        reasons.append(
            _(
                "Not near the line (per capita at most %(near_line)s and, after rigid expenses, "
                "at most %(adjusted_line)s; here %(per_capita)s and %(adjusted)s) and no "
                "qualifying sudden blow: not in hardship."
            )
            % {
                "per_capita": _yuan(per_capita),
                "adjusted": _yuan(adjusted),
                "near_line": _yuan(near_line),
                "adjusted_line": _yuan(near_adjusted_line),
            }
        )
        return result

    severe_line = (line * policy.severe_multiple).quantize(CENT, ROUND_HALF_UP)
    serious_line = (line * policy.serious_multiple).quantize(CENT, ROUND_HALF_UP)
    if adjusted < severe_line:
        result.degree = Degree.SEVERE
    elif adjusted < serious_line:
        result.degree = Degree.SERIOUS
    else:
        result.degree = Degree.GENERAL
    reasons.append(
        _(
            "After rigid expenses of %(rigid)s a month: %(adjusted)s per person; below %(severe)s "
            "is extreme hardship, below %(serious)s serious hardship, otherwise general hardship "
            "→ %(degree)s."
        )
        % {
            "rigid": _yuan(facts.monthly_rigid_expenses),
            "adjusted": _yuan(adjusted),
            "severe": _yuan(severe_line),
            "serious": _yuan(serious_line),
            "degree": Degree(result.degree).label,
        }
    )
    return result


def household_means_test(*, household: Household, on: date) -> MeansTestResult:
    county_id = household.union.parent_id or household.union_id
    return evaluate(
        MeansTestInput.of(household),
        standard=standard_in_force(county_id=county_id, on=on),
        policy=policy_in_force(county_id=county_id, on=on),
    )
