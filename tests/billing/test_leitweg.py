"""Leitweg-ID: format and check digits (ISO/IEC 7064 MOD 97-10) as KoSIT specifies them."""

from __future__ import annotations

import pytest

from billing import leitweg


def test_the_specifications_example_is_valid_and_its_check_digits_are_computed():
    # KoSIT's worked example: 04011000-1234512345 gets the check digits 06.
    assert leitweg.check_digits("04011000", "1234512345") == "06"
    assert leitweg.is_valid("04011000-1234512345-06")


@pytest.mark.parametrize(
    "value",
    [
        "09376116-RECHNUNG-06",  # letters count as A=10 … Z=35
        "09376116-rechnung-06",  # case does not matter
        "991-" + leitweg.check_digits("991"),  # coarse address only
        " 04011000-1234512345-06 ",
    ],
)
def test_valid_ids(value):
    assert leitweg.is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "04011000-1234512345-07",  # wrong check digits
        "04011000-1234512354-06",  # swapped digits are caught
        "04011000-1234512345",  # no check digits
        "0-123-06",  # coarse address too short
        "0401100012345-1-06",  # coarse address too long (13 digits)
        "04011000-" + "A" * 31 + "-06",  # fine address too long
        "04011000_1234512345_06",
        "",
    ],
)
def test_invalid_ids(value):
    assert not leitweg.is_valid(value)
