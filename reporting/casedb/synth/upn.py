"""Valid Unique Pupil Numbers for the synthetic authority.

A UPN is a check letter followed by 12 characters: the 3-digit DfE LA number, then 9 digits
(DfE "Unique Pupil Numbers (UPN): a guide for schools and local authorities"). The check letter
is sum(digit x weight) mod 23, weights 2..13 by position, mapped into the 23 letters below
(I, O and S are left out). The census validators reject any other UPN (CIN rules 1510, 1530).
"""

from __future__ import annotations

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
LA_CODE = "202"  # Camden, whose size and shape the synthetic authority copies


def check_letter(body: str) -> str:
    """The check letter of a 12-digit UPN body (LA code + 9 digits)."""
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"UPN body {body!r}: expected 12 digits (LA code then 9 digits)")
    return CHECK_LETTERS[sum(int(d) * w for d, w in zip(body, range(2, 14))) % 23]


def valid_upn(n: int, la_code: str = LA_CODE) -> str:
    """The UPN for the n-th pupil (0 <= n < 10**9): deterministic, unique per n, always valid."""
    if not 0 <= n < 10**9:
        raise ValueError(f"UPN serial {n}: expected 0 <= n < 1,000,000,000")
    body = f"{la_code}{n:09d}"
    return check_letter(body) + body
