"""Tests for Norwegian organisation number validation."""

from __future__ import annotations

import pytest

from shared.orgnumber import is_valid_org_number, normalise_org_number


@pytest.mark.parametrize(
    "number",
    [
        "974760673",
        "123456785",
        "923609016",
        "111111111",
    ],
)
def test_number_with_correct_check_digit_is_valid(number: str) -> None:
    assert is_valid_org_number(number)


@pytest.mark.parametrize("number", ["974 760 673", " 123 456 785 ", "923\t609\t016"])
def test_number_with_spaces_is_valid(number: str) -> None:
    assert is_valid_org_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "974760674",
        "123456784",
        "987654321",
        "923609061",
    ],
)
def test_number_with_wrong_check_digit_is_invalid(number: str) -> None:
    assert not is_valid_org_number(number)


@pytest.mark.parametrize("number", ["", "97476067", "9747606731", "12345678", "1234567850"])
def test_number_of_wrong_length_is_invalid(number: str) -> None:
    assert not is_valid_org_number(number)


@pytest.mark.parametrize(
    "number", ["97476067A", "974-760-673", "NO974760673", "９７４７６０６７３", "97476067²"]
)
def test_number_with_non_digits_is_invalid(number: str) -> None:
    assert not is_valid_org_number(number)


@pytest.mark.parametrize("prefix", ["91000008", "91000011", "00000040"])
def test_number_whose_check_digit_would_be_ten_is_invalid_whatever_the_last_digit(
    prefix: str,
) -> None:
    # The weighted sum of each prefix leaves remainder 1, so the check digit would be 10.
    assert not any(is_valid_org_number(prefix + digit) for digit in "0123456789")


def test_number_whose_remainder_is_zero_needs_check_digit_zero() -> None:
    # The weighted sum of 99887766 is 242, a multiple of 11.
    assert is_valid_org_number("998877660")
    assert not is_valid_org_number("998877665")


def test_non_string_is_invalid() -> None:
    assert not is_valid_org_number(974760673)  # type: ignore[arg-type]


def test_normalising_removes_spaces() -> None:
    assert normalise_org_number(" 998 877 665 ") == "998877665"
