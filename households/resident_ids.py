"""Resident ID numbers (居民身份证号, GB 11643): normalise, convert, validate, mask.

A number is valid when its check digit matches, its birth date is a real date between 1900 and
today, and its area code (the first six digits) is a county-level code that was in force at
some time from the birth year on. Not necessarily in the birth year, as `stdnum.cn.ric.validate`
demands: a number is assigned when the card is issued, so a worker born in 1960 in a district
created in 1985 holds a valid ID with the 1985 code. The periods of each code come from
stdnum's own table (stdnum/cn/loc.dat); stdnum.cn.ric gives the check digit and the date.

This module also takes what real input needs first — full-width digits, spaces and hyphens, a
lowercase x, 15-digit legacy numbers — and says in Chinese what is wrong and how to fix it.
"""

import functools
import re
import unicodedata
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from helpcenter.errors import DomainError

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_SEVENTEEN_DIGITS = re.compile(r"[0-9]{17}")
EARLIEST_BIRTH = date(1900, 1, 1)
# One period of an area code in loc.dat: "[1983-]长安区", "[-2010]崇文区", "[1983-1994]东矿区".
_PERIOD = re.compile(r"^\[(\d*)-(\d*)\]")


class InvalidResidentId(DomainError):
    pass


def normalise(raw: object) -> str:
    """Full-width to half-width, no spaces or hyphens, upper-case X."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return re.sub(r"[\s\-–—_]", "", text).upper()


def from_legacy(number: str) -> str:
    """Convert a 15-digit number (issued before 1999) to its 18-digit form."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def clean(raw: object) -> str:
    """The valid 18-digit number, or InvalidResidentId saying what to do."""
    if isinstance(raw, float) or _SCIENTIFIC.match(str(raw).strip()):
        raise InvalidResidentId(
            _(
                "The ID was turned into a number by Excel (%(value)s) and its last digits are "
                "lost. Format the column as text and type the ID again."
            )
            % {"value": raw}
        )
    number = normalise(raw)
    if not number:
        raise InvalidResidentId(_("The resident ID is missing."))
    if len(number) == 15 and number.isdigit():
        try:
            return _checked(from_legacy(number))
        except InvalidResidentId:
            raise InvalidResidentId(
                _(
                    "The old 15-digit ID %(legacy)s cannot be converted: its birth date or area "
                    "code is not valid. Enter the 18-digit ID from the current ID card."
                )
                % {"legacy": number}
            ) from None
    if len(number) != 18:
        raise InvalidResidentId(
            _("A resident ID has 18 characters; this one has %(count)d. Check it against the card.")
            % {"count": len(number)}
        )
    return _checked(number)


def _checked(number: str) -> str:
    """The 18 characters themselves: digits, the check digit, the birth date, the area code."""
    if not _SEVENTEEN_DIGITS.fullmatch(number[:-1]):
        raise InvalidResidentId(
            _("Only the last character of a resident ID may be X; the others are digits.")
        )
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidResidentId(
            _("The check digit (the last character) does not match. Check the ID against the card.")
        )
    if not _birth_date_possible(number):
        raise InvalidResidentId(
            _(
                "The birth date in this ID (%(digits)s, the 7th to 14th digits) is not a date "
                "between 1900 and today. Check it against the card."
            )
            % {"digits": number[6:14]}
        )
    if not _area_code_known(number[:6], since=int(number[6:10])):
        raise InvalidResidentId(
            _(
                "The area code of this ID (%(code)s, the first 6 digits) is not a county code "
                "in use in or after the birth year. Check it against the card."
            )
            % {"code": number[:6]}
        )
    return number


def _birth_date_possible(number: str) -> bool:
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return False
    return EARLIEST_BIRTH <= born <= timezone.localdate()


@functools.cache
def _area_code_known(code: str, *, since: int) -> bool:
    """A county-level code of stdnum's table that was in force in some year from `since` on
    (the number is assigned at or after birth, never before)."""
    found = dict(numdb.get("cn/loc").info(code)[-1][1])
    if not found.get("county"):
        return False  # not in the table, or only its province is
    for county in found["county"].split(","):
        period = _PERIOD.match(county)
        if not period or not period[2] or int(period[2]) >= since:
            return True  # no period (always in force), or in force until `since` or later
    return False


def mask(number: str) -> str:
    """First 6 and last 4 characters only: 110105********002X."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def birth_date(number: str) -> date:
    return ric.get_birth_date(number)


def sex(number: str) -> str:
    """'male' or 'female', from the 17th digit."""
    return "male" if int(number[16]) % 2 else "female"
