"""Resident ID numbers (居民身份证号, GB 11643): normalise, convert, validate, mask.

Validation is `stdnum.cn.ric` (check digit, birth date, area code); this module adds what real
input needs first — full-width digits, spaces and hyphens, a lowercase x, 15-digit legacy
numbers — and says in Chinese what is wrong and how to fix it.
"""

import re
import unicodedata
from datetime import date

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from helpcenter.errors import DomainError

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


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
        legacy = number
        number = from_legacy(number)
        if not ric.is_valid(number):
            raise InvalidResidentId(
                _(
                    "The old 15-digit ID %(legacy)s cannot be converted: its birth date or area "
                    "code is not valid. Enter the 18-digit ID from the current ID card."
                )
                % {"legacy": legacy}
            )
        return number
    if len(number) != 18:
        raise InvalidResidentId(
            _("A resident ID has 18 characters; this one has %(count)d. Check it against the card.")
            % {"count": len(number)}
        )
    try:
        return ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise InvalidResidentId(
            _("The check digit (the last character) does not match. Check the ID against the card.")
        ) from None
    except stdnum_errors.InvalidFormat:
        raise InvalidResidentId(
            _("Only the last character of a resident ID may be X; the others are digits.")
        ) from None
    except stdnum_errors.ValidationError:
        raise InvalidResidentId(
            _("The birth date or area code in this ID is not valid. Check it against the card.")
        ) from None


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
