"""Personal data typed into free text, masked for public output (Thailand's PDPA).

Citizens write their phone number, national ID number or e-mail address into a complaint's
description (and Open311 attributes are appended to it); staff do the same in notes. The text is
stored verbatim for the agency; everything published goes through `mask()`.

Plain Python (no Django): tests call it directly with written-down inputs and outputs.
What is recognised (Thai digits ๐-๙ count as digits; a separator is one hyphen or space):
- national ID numbers: 13 digits, plain or grouped (1-2345-67890-12-3);
- phone numbers: 0 and 8 or 9 more digits (02-123-4567, 081-234-5678, 0812345678) and the same
  with the country code instead of the 0 (+66 81 234 5678, +66-2-123-4567, 66812345678);
- e-mail addresses.
Dates (2026-11-30), house numbers (45/6), coordinates (13.7563, 100.5018) and hotlines (1555)
are left alone. A number split in unusual places (081-23-45-678) is still caught: only the count
of digits matters, not where the separators fall.
"""

import re

_D = "[0-9๐-๙]"
_SEP = "[- ]?"
_EDGE_BEFORE = r"(?<![0-9๐-๙+])"
_EDGE_AFTER = r"(?![0-9๐-๙])"

NATIONAL_ID = re.compile(f"{_EDGE_BEFORE}{_D}(?:{_SEP}{_D}){{12}}{_EDGE_AFTER}")
PHONE_INTERNATIONAL = re.compile(
    rf"(?<![0-9๐-๙])(?:\+|00)?(?:66|๖๖){_SEP}(?:\(0\){_SEP})?(?:{_SEP}{_D}){{8,9}}{_EDGE_AFTER}"
)
PHONE = re.compile(f"{_EDGE_BEFORE}[0๐](?:{_SEP}{_D}){{8,9}}{_EDGE_AFTER}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

NATIONAL_ID_MASK = "[national ID hidden]"
PHONE_MASK = "[phone hidden]"
EMAIL_MASK = "[e-mail hidden]"

# Order matters: an e-mail's digits are not a phone, a national ID's digits are not a phone.
_RULES = (
    (EMAIL, EMAIL_MASK),
    (NATIONAL_ID, NATIONAL_ID_MASK),
    (PHONE_INTERNATIONAL, PHONE_MASK),
    (PHONE, PHONE_MASK),
)


def mask(text: str | None) -> str | None:
    """`text` with phone numbers, national ID numbers and e-mail addresses replaced by markers."""
    if not text:
        return text
    for pattern, marker in _RULES:
        text = pattern.sub(marker, text)
    return text
