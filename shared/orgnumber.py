"""Validation of Norwegian organisation numbers (organisasjonsnummer)."""

from __future__ import annotations

_WEIGHTS: tuple[int, ...] = (3, 2, 7, 6, 5, 4, 3, 2)
_LENGTH = 9


def normalise_org_number(value: str) -> str:
    """Return the organisation number with all whitespace removed."""
    return "".join(value.split())


def is_valid_org_number(value: str) -> bool:
    """Return True when value is a nine-digit number with a correct modulus-11 check digit."""
    if not isinstance(value, str):
        return False
    digits = normalise_org_number(value)
    if len(digits) != _LENGTH or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits, _WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[-1])
