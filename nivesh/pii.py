"""Personal data that must never leave in a prompt, a tuning file, an answer or a log line.

What is found, on the text as a person reads it (`textnorm.clean`; look-alike letters and
other scripts' digits read as ASCII, so full-width or Devanagari digits, or Cyrillic letters in a
PAN, do not hide it):

- EMAIL, UPI_ID (`name@bank`), IFSC (bank branch), PAN (with or without spaces or dashes),
  GSTIN, VOTER_ID (EPIC), PASSPORT, VEHICLE (state code, district, series, number; BH series).
- Numbers written with spaces, dashes or dots between the groups: PHONE (Google's
  libphonenumber, India first: +91, 0-prefixed, grouped in fives or in pairs, landlines),
  AADHAAR (12 digits passing its Verhoeff check), CARD (13-19 digits; masked whether or not
  the Luhn check passes, named CARD when it does or when grouped as cards are), ACCOUNT (any
  other run of 9-18 digits). Amounts are not identifiers: a number after ₹ / Rs / INR, one with
  Indian comma grouping (1,50,000), a decimal, a date (12/03/2024, 12.03.2024, 2024-03-12) and
  anything under nine digits stays as written.
- NAME: the words after "my name is", "mera naam", "मेरा नाम" and the like, up to the next
  word that is not part of a name.

By default each is replaced by its kind in brackets ("my PAN is [PAN]"), so the text still
reads and the scrub can be counted; the prediction log passes its own replacement (the last
four digits, as bank statements show). Check digits come from python-stdnum; Presidio was
measured and not used (see pyproject.toml).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers
import regex
from stdnum import luhn
from stdnum.in_ import aadhaar

from nivesh import textnorm

_I = regex.IGNORECASE
_B, _E = r"(?<![\w@.\-])", r"(?![\w@]|[.\-]\w)"  # an identifier's edges: not inside a longer token
_SEP = r"[ .\-]?"
STATES = (
    "AN AP AR AS BR CH CG CT DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY RJ SK TG TN TR TS "
    "UA UK UP WB"
).split()
_VEHICLE_TAIL = r"[ .\-]?\d{1,2}[A-Z]?[ .\-]?[A-Z]{0,3}[ .\-]?\d{4}"
PATTERNS: list[tuple[str, regex.Pattern[str]]] = [  # order = precedence where two overlap
    ("EMAIL", regex.compile(_B + r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}" + _E, _I)),
    ("UPI_ID", regex.compile(_B + r"[\w.\-]{2,256}@[a-z][a-z0-9]{1,63}(?![\w@.])", _I)),
    ("GSTIN", regex.compile(_B + r"\d{2}[a-z]{5}\d{4}[a-z][0-9a-z]z[0-9a-z]" + _E, _I)),
    ("IFSC", regex.compile(_B + r"[a-z]{4}[ \-]?0[a-z0-9]{6}" + _E, _I)),
    ("PAN", regex.compile(_B + r"[a-z]{5}" + _SEP + r"\d{4}" + _SEP + r"[a-z]" + _E, _I)),
    ("VOTER_ID", regex.compile(_B + r"[a-z]{3}" + _SEP + r"\d{7}" + _E, _I)),
    ("PASSPORT", regex.compile(_B + r"[a-z][1-9]\d" + _SEP + r"\d{4}[0-9]" + _E, _I)),
    (
        "VEHICLE",
        regex.compile(
            _B
            + r"(?:(?:"
            + "|".join(STATES)
            + ")"
            + _VEHICLE_TAIL
            + r"|\d{2}[ .\-]?BH[ .\-]?\d{4}[ .\-]?[A-Z]{1,2})"
            + _E
        ),
    ),
    ("VEHICLE", regex.compile(_B + r"(?:" + "|".join(STATES) + r")\d{1,2}[a-z]{0,4}\d{4}" + _E, _I)),
]
# a run of digits with single spaces, dashes or dots between groups (never commas or slashes)
DIGIT_RUN = regex.compile(r"(?<![\w.,/:]|[.,/:]\d)\+?\d+(?:[ .\-]\d+)*(?![\w]|[.,/:]\d)")
NUMBER_KINDS = ["PHONE", "AADHAAR", "CARD", "ACCOUNT"]
AADHAAR_CUE = regex.compile(r"(?:aadhaa?r|adhaa?r|\buid\b|आधार)[^\d]{0,24}$", _I)
AMOUNT_BEFORE = regex.compile(r"(?:₹|\brs\.?|\binr|\brupees?|\$|€|£)\s*$", _I)
DATE = regex.compile(r"\d{1,4}([.\-])\d{1,2}\1\d{1,4}")
NAME_CUE = regex.compile(
    r"(?:\bmy (?:full |first |last )?name(?: is|'s| =)?|\bi am called|\bi'?m called|\bname\s*[:\-=]|"
    r"\b(?:mera|mere|meraa) (?:poora |pura )?(?:naam|nam|name)(?: hai| he| h)?|मेरा (?:पूरा )?नाम(?: है)?)\s*[:\-=]?\s*",
    _I,
)
NAME_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'.]*")
NOT_NAME = frozenset(
    """a an the and or but is am are was from with in at of to for my your i me he she we they it this that
    here there hai hoon hu hun h he aur or se ka ki ke ko mein me main mai ek naam nam name not no yes
    what how why which who when can could would should want need have has earn earning working work
    salaried self employed retired student married single years year old age ji sir madam है हूँ हूं और से का की
    के को में एक नाम मैं""".split()
)


# which of two overlapping finds wins: the patterns in their order, then numbers, then names
PRECEDENCE = {kind: i for i, kind in enumerate(dict.fromkeys([k for k, _ in PATTERNS] + NUMBER_KINDS + ["NAME"]))}


def luhn_ok(digits: str) -> bool:
    return luhn.is_valid(digits)


@dataclass
class Scrubbed:
    text: str
    found: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


def find(text: str) -> list[Span]:
    """Every identifier in `text` (already `textnorm.clean`), non-overlapping, in order."""
    view = textnorm.view_for_spans(text)
    if not any(ch.isdigit() or ch == "@" for ch in view) and not NAME_CUE.search(view):
        return []  # the common case, and the logger thread's fast path
    spans = [Span(m.start(), m.end(), kind) for kind, p in PATTERNS for m in p.finditer(view)]
    spans += _phones(view) + _numbers(view) + _names(view)
    taken: list[Span] = []
    for s in sorted(spans, key=lambda s: (PRECEDENCE[s.kind], -(s.end - s.start), s.start)):
        if not any(s.start < t.end and t.start < s.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)


def _phones(view: str) -> list[Span]:
    if sum(ch.isdigit() for ch in view) < 8:
        return []
    matcher = phonenumbers.PhoneNumberMatcher(view, "IN", leniency=phonenumbers.Leniency.VALID)
    return [Span(m.start, m.end, "PHONE") for m in matcher]


def _numbers(view: str) -> list[Span]:
    out = []
    for m in DIGIT_RUN.finditer(view):
        raw = m.group(0)
        digits = "".join(ch for ch in raw if ch.isdigit())
        if len(digits) < 9 or AMOUNT_BEFORE.search(view[max(0, m.start() - 8) : m.start()]):
            continue
        if DATE.fullmatch(raw):
            continue
        groups = regex.split(r"[ .\-]", raw.lstrip("+"))
        cue = AADHAAR_CUE.search(view[max(0, m.start() - 40) : m.start()])
        if len(digits) == 12 and (aadhaar.is_valid(digits) or cue):  # made-up numbers fail Verhoeff, still masked
            kind = "AADHAAR"
        elif 13 <= len(digits) <= 19 and (luhn.is_valid(digits) or _card_groups(groups)):
            kind = "CARD"
        elif 9 <= len(digits) <= 19:
            kind = "ACCOUNT"
        else:
            continue  # longer than any account number: a reference the user pasted, not an identifier
        out.append(Span(m.start(), m.end(), kind))
    return out


def _card_groups(groups: list[str]) -> bool:
    """Grouped as a card is printed: 4-4-4-4 (and 4-4-4-4-3), or 4-6-5 (Amex)."""
    sizes = [len(g) for g in groups]
    return sizes in ([4, 4, 4, 4], [4, 4, 4, 4, 3], [4, 6, 5])


def _names(view: str) -> list[Span]:
    out = []
    for cue in NAME_CUE.finditer(view):
        start = end = cue.end()
        words = 0
        for w in NAME_WORD.finditer(view, cue.end()):
            between = view[end : w.start()]
            if (words and (between.strip() or len(between) > 1)) or w.group(0).lower().strip(".") in NOT_NAME:
                break
            if not words:
                if w.start() != cue.end():
                    break
                start = w.start()
            end, words = w.end(), words + 1
            if words == 3:
                break
        if words:
            out.append(Span(start, end, "NAME"))
    return out


def scrub(text: str, replace_with: Callable[[str, str], str] | None = None) -> Scrubbed:
    """`text` (cleaned: NFKC, no invisible characters) with every identifier replaced by
    [KIND] (or `replace_with(kind, match)`); `found` counts them by kind."""
    text = textnorm.clean(text)
    found: Counter[str] = Counter()
    out, at = [], 0
    for s in find(text):
        value = text[s.start : s.end]
        found[s.kind] += 1
        out += [text[at : s.start], replace_with(s.kind, value) if replace_with else f"[{s.kind}]"]
        at = s.end
    out.append(text[at:])
    return Scrubbed("".join(out), found)
