"""The Leitweg-ID: the address of a German public body as an e-invoice recipient (XRechnung
BT-10, Buyer reference). KoSIT's format specification: a coarse address of 2 to 12 digits
(starting with the Land's code), an optional fine address of up to 30 letters and digits,
and two check digits by ISO/IEC 7064 MOD 97-10, computed over both addresses without hyphens
with letters as numbers (A = 10 … Z = 35). Example from the specification:
04011000-1234512345-06."""

from __future__ import annotations

import re

LEITWEG_RE = re.compile(
    r"^(?P<coarse>[0-9]{2,12})(?:-(?P<fine>[0-9A-Z]{1,30}))?-(?P<check>[0-9]{2})$"
)


def _as_digits(text: str) -> str:
    return "".join(str(int(ch, 36)) for ch in text)


def check_digits(coarse: str, fine: str = "") -> str:
    """The two check digits for a coarse and fine address (MOD 97-10: append 00, take the
    remainder modulo 97, subtract it from 98)."""
    number = int(_as_digits(coarse + fine.upper()) + "00")
    return f"{98 - number % 97:02d}"


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def is_valid(value: str) -> bool:
    match = LEITWEG_RE.match(normalize(value))
    if not match:
        return False
    digits = _as_digits(match["coarse"] + (match["fine"] or "")) + match["check"]
    return int(digits) % 97 == 1
