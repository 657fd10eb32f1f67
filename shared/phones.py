"""Phone numbers as people in Norway write them: parsed with region NO, kept in E.164, and whether one takes SMS.

"91234567", "912 34 567", "+47 912 34 567" and "0047 912 34 567" are all +4791234567; a number of another
country needs its country code ("+46 70 123 45 67"). Validity is the numbering plan's, as kept by the
phonenumbers library, so "+4712345678" (eight digits, but no Norwegian number starts with 1) is refused.
"""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "NO"
MAX_LENGTH = 32  # longer than any number written with spaces and a country code
# Digits (in any script), with spaces, dashes, dots and brackets between them; a + only in front ("(+47)" too).
WRITTEN = re.compile(r"\(?\+?[\d \u00a0().\-]*\d[\d \u00a0().\-]*")
SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

NOT_A_NUMBER = ("Not a phone number: write 8 digits for a Norwegian number (912 34 567), or + and the country "
                "code for another country's (+46 70 123 45 67).")
NOT_VALID = ("Not a valid phone number: no number in use has these digits. Check them, and put + and the "
             "country code in front of a number from outside Norway.")
CANNOT_RECEIVE_SMS = "This number cannot receive SMS: give a mobile number, or choose e-mail only."


class InvalidPhone(ValueError):
    """A text that is not a valid phone number; the message says why, in words a client can show."""


def to_e164(text: str) -> str:
    """The number written in `text` in E.164 ("+4791234567"); InvalidPhone when it is not a valid number."""
    written = text.strip()
    if len(written) > MAX_LENGTH or not WRITTEN.fullmatch(written):
        raise InvalidPhone(NOT_A_NUMBER)
    try:
        number = phonenumbers.parse(written, REGION)
    except NumberParseException:
        raise InvalidPhone(NOT_A_NUMBER) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(NOT_VALID)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def receives_sms(e164: str) -> bool:
    """True for a valid number that can be a mobile one (MOBILE, or FIXED_LINE_OR_MOBILE where the plan cannot
    tell, as in the United States); False for a landline, a toll-free or shared-cost number, or no valid number."""
    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in SMS_TYPES
