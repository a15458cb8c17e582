"""Personal data that must never leave in a prompt, a tuning file or a log line.

Indian identifiers first (PAN, Aadhaar, UPI ids, Indian mobile numbers), then cards
(Luhn-checked, so a 16-digit reference number is not taken for a card), then bare
bank account numbers (9-18 digits). By default each is replaced by a typed
placeholder so the text still reads ("my PAN is [PAN]") and the scrub can be
counted; the prediction log passes its own replacement (`predlog.mask_text` keeps
the last four digits, as bank statements do). One set of patterns for both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

_SEP = r"[ \-]?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")),
    ("UPI_ID", re.compile(r"\b[\w.\-]{2,256}@[a-zA-Z]{2,64}\b")),
    ("PAN", re.compile(r"\b[A-Za-z]{5}\d{4}[A-Za-z]\b")),
    ("CARD", re.compile(r"\b\d(?:" + _SEP + r"?\d){12,18}\b")),
    ("AADHAAR", re.compile(r"\b[2-9]\d{3}" + _SEP + r"\d{4}" + _SEP + r"\d{4}\b")),
    ("PHONE", re.compile(r"(?<![\w+])(?:\+91[ \-]?|91[ \-]|0)?[6-9]\d{4}[ \-]?\d{5}\b")),
    ("ACCOUNT", re.compile(r"\b\d{9,18}\b")),
]


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass
class Scrubbed:
    text: str
    found: Counter[str] = field(default_factory=Counter)


def scrub(text: str, replace_with: Callable[[str, str], str] | None = None) -> Scrubbed:
    """`text` with every identifier replaced by [KIND] (or `replace_with(kind, match)`);
    `found` counts them by kind."""
    found: Counter[str] = Counter()
    for kind, pattern in PATTERNS:

        def replace(m: re.Match[str], kind: str = kind) -> str:
            if kind == "CARD":
                digits = re.sub(r"\D", "", m.group(0))
                if not (13 <= len(digits) <= 19 and luhn_ok(digits)):
                    return m.group(0)
            found[kind] += 1
            return replace_with(kind, m.group(0)) if replace_with else f"[{kind}]"

        text = pattern.sub(replace, text)
    return Scrubbed(text, found)
