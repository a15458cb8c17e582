"""Exact grammars for what rules do best: amounts, dates, account masks, UPI ids, IFSC.

Each finder returns character spans `(start, end, label)` over the raw text. They
cover the ways Indian users and banks write these (GUIDELINE.md in
nivesh/data/text): lakh grouping, Hinglish multipliers ("5 hazaar", "do lakh"),
SMS date forms glued together ("05Nov25", "2025-11-10T17:32:09"), masks with one
star or a lower-case x, "ending 1234", fiscal years, festivals, Hinglish time
words. A bare number is money only with a money cue nearby; the statistical model
judges the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

Span = tuple[int, int, str]

# --- shared vocabularies -----------------------------------------------------------------
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "mon": 0, "somvar": 0, "somwar": 0, "tuesday": 1, "tue": 1, "tues": 1, "mangalvar": 1,
    "mangalwar": 1, "wednesday": 2, "wed": 2, "budhvar": 2, "budhwar": 2, "thursday": 3, "thu": 3, "thur": 3,
    "thurs": 3, "guruvar": 3, "guruwar": 3, "brihaspativar": 3, "friday": 4, "fri": 4, "shukravar": 4,
    "shukrawar": 4, "saturday": 5, "sat": 5, "shanivar": 5, "shaniwar": 5, "sunday": 6, "sun": 6, "ravivar": 6,
    "raviwar": 6, "itwar": 6, "itvaar": 6,
}  # fmt: skip
FESTIVALS = (
    "diwali", "deepavali", "dipawali", "holi", "dussehra", "dasara", "dussera", "vijayadashami", "navratri",
    "navaratri", "durga puja", "eid", "eid ul fitr", "ramzan eid", "bakrid", "eid al adha", "christmas",
    "new year", "new year's eve", "raksha bandhan", "rakhi", "ganesh chaturthi", "onam", "pongal",
    "makar sankranti", "sankranti", "lohri", "dhanteras", "bhai dooj", "karva chauth", "janmashtami",
    "chhath", "republic day", "independence day", "akshaya tritiya", "gudi padwa", "ugadi", "baisakhi",
    "vishu", "good friday", "guru nanak jayanti", "mahashivratri",
)  # fmt: skip
MULTIPLIER_WORDS = {
    "k": 1e3, "thousand": 1e3, "hazaar": 1e3, "hazar": 1e3, "hajar": 1e3, "grand": 1e3,
    "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "lacs": 1e5, "l": 1e5, "crore": 1e7, "crores": 1e7, "cr": 1e7,
    "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "sau": 1e2, "hundred": 1e2,
}  # fmt: skip
HINDI_NUMBERS = {
    "ek": 1, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5, "chhe": 6, "chhah": 6,
    "saat": 7, "aath": 8, "nau": 9, "das": 10, "bees": 20, "pachas": 50, "pachaas": 50, "dedh": 1.5,
    "dhai": 2.5, "dhaai": 2.5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "half": 0.5,
}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "lakhs" wins over "lakh"."""
    return "|".join(sorted((re.escape(w) for w in words), key=lambda w: (-len(w), w)))


MONTH = rf"(?:{_alt(MONTHS)})\.?"
WEEKDAY = rf"(?:{_alt(WEEKDAYS)})"
FESTIVAL = rf"(?:{_alt(FESTIVALS)})"
ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
B = r"(?<![\w@.])"  # a left word boundary that also keeps us out of emails and decimals
E = r"(?![\w@])"

# --- ACCOUNT -----------------------------------------------------------------------------
UPI_ID = r"[A-Za-z0-9][A-Za-z0-9._]{1,}@[A-Za-z][A-Za-z0-9]{1,}(?![\w.]*\.[A-Za-z]{2,}\b)"
IFSC = r"[A-Z]{4}0[A-Z0-9]{6}"
_ACCOUNT = [
    re.compile(rf"{B}{UPI_ID}"),
    re.compile(rf"{B}{IFSC}{E}"),
    re.compile(rf"{B}(?:\d{{4}}|[Xx*]{{4}})(?:[ -](?:\d{{4}}|[Xx*]{{4}})){{2}}[ -]\d{{4}}{E}"),  # card groups
    re.compile(r"(?<![\w*•])\d{0,6}(?:[Xx*•]{2,12} ?|[Xx*])\d{3,6}(?![\w])"),  # XX1234, *1234, x4412, 4xxx..1234
    re.compile(r"(?i)\bending (?:in |with )?(?P<v>\d{4,6})\b"),
    re.compile(r"(?i)\b(?:a/c|acct|account)(?: no\.?| number)?:? (?P<v>\d{9,18})\b"),
]

# --- MONEY -------------------------------------------------------------------------------
NUMBER = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CURRENCY_BEFORE = r"(?:rs\.?:?|inr|usd|us\$|\$|eur|€|£|₹|rupees?)"
CURRENCY_AFTER = r"(?:rupees?|rupaye|rupaiye|rupay|rupiya|rs\b\.?|bucks|inr\b)"
MULTIPLIER = rf"(?:{_alt(MULTIPLIER_WORDS)})"
HINDI_NUMBER = rf"(?:{_alt(HINDI_NUMBERS)})"
HALF_WORDS = ("saadhe", "sadhe", "saade")  # "saadhe teen hazaar": three and a half thousand
HALF = rf"(?:{_alt(HALF_WORDS)})"
_MONEY = [
    re.compile(rf"(?i){B}{CURRENCY_BEFORE}\s?(?:{NUMBER})(?:\s?{MULTIPLIER}\b)?"),
    re.compile(rf"(?i){B}(?:{NUMBER})\s?{MULTIPLIER}\b(?:\s{CURRENCY_AFTER})?"),
    re.compile(rf"(?i){B}(?:{NUMBER})\s?{CURRENCY_AFTER}"),
    re.compile(
        rf"(?i)\b(?:{HALF} )?{HINDI_NUMBER} (?:hazaa?r|hajar|lakhs?|lacs?|crores?|sau|thousand|hundred)\b"
        rf"(?: {CURRENCY_AFTER})?"
    ),
]
# A bare number is money when one of these words is among the four before it ...
STRONG_CUES = frozenset(
    """paid pay paying spent spend spending send sent transfer transferred debited credited charged charge cost
    costs worth limit budget salary emi bill refund refunded received withdrew withdraw withdrawn deposit
    deposited invest invested borrow lend lent owe split price fee fees fare cashback balance bal due amount amt
    total save saving diye diya bheje bhej bhejo bhejne bhejna kharche kharch kharcha kate kata kat lagaye
    nikale nikal bhara bhari bharna mile mila milega dena dene cap ceiling crosses cross exceeds overcharged
    loan rent lagta laga gaye gaya""".split()
)
# ... or one of these is right before it ("of 3000", "ko 1800") or "ka/ki/ke" right after it.
WEAK_CUES = frozenset("of for to at by from above below over under upto around approx only just extra ko rs".split())
UNITS = (
    "%", "percent", "per cent", "days", "day", "din", "months", "month", "mahine", "mahina", "years", "year",
    "yrs", "yr", "saal", "times", "baar", "am", "pm", "hours", "hrs", "hour", "mins", "minutes", "km", "kms",
    "kg", "gb", "mb", "calories", "units", "emis", "friends", "people", "log", "members", "tareekh",
    "tarikh", "th", "st", "nd", "rd", "weeks", "week", "hafte", "bhk", "sqft", "items", "orders", "rides",
)  # fmt: skip
_BARE = re.compile(rf"{B}(?:{NUMBER}){E}")
_CUE_AFTER = re.compile(
    r"(?i)^\s(?:ka|ki|ke|ko|wala|wali|se zyada|dr|cr|debit|credit|/-|kharch\w*|diye|diya|de|lagta|lagte|lage|"
    r"laga|lagi|gaye|gaya|gayi|bhare|bhara|bhari|liye|liya|rupees?)\b"
)
_UNIT_AFTER = re.compile(rf"(?i)^\s?(?:{_alt(UNITS)})(?!\w)")

# --- DATE --------------------------------------------------------------------------------
# One vocabulary for finding relative dates here and valuing them (nivesh.families.ner_dates).
THIS_WORDS = frozenset({"this", "is", "iss", "current"})
LAST_WORDS = frozenset({"last", "previous", "prev", "past", "pichle", "pichhle", "pichla", "pichhla", "pichli",
                        "pichhli"})  # fmt: skip
NEXT_WORDS = frozenset({"next", "coming", "upcoming", "following", "agle", "agla", "agli", "aane wale", "aane wala"})
RELATIVE_WORDS = THIS_WORDS | LAST_WORDS | NEXT_WORDS
UNIT_WORDS = {"day": "day", "days": "day", "din": "day", "week": "week", "weeks": "week", "hafte": "week",
              "hafta": "week", "month": "month", "months": "month", "mahine": "month", "mahina": "month",
              "mahino": "month", "year": "year", "years": "year", "saal": "year", "sal": "year",
              "quarter": "quarter", "quarters": "quarter", "weekend": "weekend", "fortnight": "fortnight"}  # fmt: skip
COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "twelve": 12, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "chhe": 6}  # fmt: skip
REL_UNIT = rf"(?:{_alt(UNIT_WORDS)})"
REL_WORD = rf"(?:{_alt(RELATIVE_WORDS)})"
COUNT = rf"(?:\d+|{_alt(COUNT_WORDS)})"
FY = r"(?:FY|F\.Y\.|AY|A\.Y\.|fy|ay)"
_DATE = [
    # ISO with an optional glued time; numeric d/m/y; d-Mon-y glued or spaced; Mon d, y
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T:]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?\b"),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(rf"(?i)\b{ORDINAL}(?:[ -]?|\s?of\s){MONTH}(?:[ ,'-]*(?:\d{{4}}|\d{{2}}))?(?![\w])"),
    re.compile(rf"(?i)\b{MONTH}[ -]{ORDINAL}(?:,?\s\d{{4}})?(?![\w])"),
    re.compile(rf"(?i)\b{MONTH}\s?(?:-|to|till|until|se)\s?{MONTH}(?:,?\s(?:\d{{4}}))?(?![\w])"),
    re.compile(rf"(?i)\b{MONTH}(?:[ ,'-]+(?:\d{{4}}|\d{{2}}))?(?![\w])"),
    # fiscal years and year ranges
    re.compile(rf"{B}{FY}\s?'?\d{{2,4}}(?:\s?[-\u2013/]\s?\d{{2,4}})?{E}"),
    re.compile(r"\b(?:19|20)\d{2}\s?[-\u2013]\s?\d{2}\b(?![-/])"),
    re.compile(rf"(?i)\b(?:{REL_WORD})\s(?:financial|fiscal)\s(?:year|yr)\b|\b(?:{REL_WORD})\s(?:fy|f\.y\.)(?![\w])"),
    # relative days, weeks, months
    re.compile(r"(?i)\b(?:day after tomorrow|day before yesterday|yesterday|today|tonight|tomorrow)\b"),
    re.compile(r"(?i)\b(?:aaj|aj|kal|parso|parson|parsoon)(?:\s(?:subah|shaam|sham|raat|dopahar))?\b"),
    re.compile(rf"(?i)\b(?:{REL_WORD})\s(?:{COUNT}\s)?{REL_UNIT}\b"),
    re.compile(rf"(?i)\b{COUNT}\s{REL_UNIT}\s(?:ago|back|pehle|pahle)\b"),
    re.compile(rf"(?i)\b(?:{REL_WORD}\s)?{WEEKDAY}(?![\w])"),
    re.compile(rf"(?i)\b(?:{REL_WORD}\s)?{FESTIVAL}\b(?!\s(?:bonus|sale|gift|gifts|offer|offers|dhamaka|special))"),
    re.compile(r"(?i)\b\d{1,2}\s?(?:tareekh|tarikh|taarikh)\b"),
    re.compile(
        rf"(?i)\b(?:end|start|beginning|middle|mid)\sof\s(?:the\s)?(?:{REL_WORD}\s)?(?:month|week|year|quarter|{MONTH})\b"
    ),
    re.compile(rf"(?i)\b(?:{REL_WORD}\s)?(?:month|mahine|mahina)[\s-](?:end|ke end|ke aakhir)\b"),
    re.compile(rf"(?i)\bQ[1-4](?:\s?{FY}\s?'?\d{{2,4}}(?:\s?[-\u2013/]\s?\d{{2,4}})?)?(?![\w])"),
    re.compile(r"(?i)(?<=\bthe )\d{1,2}(?:st|nd|rd|th)\b(?!\s(?:of\s)?[a-z])"),
    re.compile(r"(?i)(?<=\bon )\d{1,2}[-/]\d{1,2}\b(?![-/]\d)"),
    re.compile(
        r"(?i)\b(?:in|for|since|during|till|until|from|year|saal|of) (?P<v>(?:19|20)\d{2})\b(?!\s?[-\u2013/]\d)"
    ),
    re.compile(r"(?i)(?:(?<=^)|(?<=\bin )|(?<=\bfor ))(?:19|20)\d{2}(?=\s*$)"),
]
# Words that look like months or weekdays but are usually not dates when lower-case.
_AMBIGUOUS_LOWER = {"may", "mar", "sun", "sat", "jan", "wed", "do", "dec", "sep", "mon", "fri", "thu", "tue"}
_MONTH_CUE = re.compile(r"(?i)\b(?:in|since|from|till|until|during|of|for|by|on|mein|se|tak|last|this|next)\s$")


def spans(patterns: list[re.Pattern[str]], text: str, label: str) -> Iterator[Span]:
    """Every match of every pattern as a span of `label`; a pattern with a group named `v`
    marks only that group (the context around it is not part of the entity)."""
    for pattern in patterns:
        group = "v" if "v" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            if m.end(group) > m.start(group):
                yield (m.start(group), m.end(group), label)


def accounts(text: str) -> list[Span]:
    return list(spans(_ACCOUNT, text, "ACCOUNT"))


def amounts(text: str) -> list[Span]:
    out = list(spans(_MONEY, text, "MONEY"))
    for m in _BARE.finditer(text):
        before, after = text[: m.start()], text[m.end() :]
        digits = m.group().replace(",", "").split(".")[0]
        if (
            len(digits) > 9
            or (digits.startswith("0") and len(digits) > 1)
            or _UNIT_AFTER.match(after)
            or after.startswith(("%", "/", "-", ":"))
        ):
            continue
        grouped = "," in m.group() or re.search(r"\.\d\d$", m.group()) is not None
        cued = _cued(before) or bool(_CUE_AFTER.match(after))
        yearish = re.fullmatch(r"(?:19|20)\d{2}", m.group()) is not None
        if (grouped or cued) and not (yearish and not _cued(before, strong_only=True)):
            out.append((m.start(), m.end(), "MONEY"))
    return out


def _cued(before: str, strong_only: bool = False) -> bool:
    words = re.findall(r"[a-z]+", before.lower())[-4:]
    if any(w in STRONG_CUES for w in words):
        return True
    return not strong_only and bool(words) and words[-1] in WEAK_CUES and before.endswith(" ")


def dates(text: str) -> list[Span]:
    out = []
    for s, e, label in spans(_DATE, text, "DATE"):
        word = text[s:e]
        low = word.lower().rstrip(".")
        if low in _AMBIGUOUS_LOWER and (word.islower() or word.isupper()) and not _MONTH_CUE.search(text[:s]):
            continue
        if low in ("may", "sun", "sat", "mar", "do") and not _MONTH_CUE.search(text[:s]):
            continue
        if re.fullmatch(r"(?i)(?:is|iss)\s\w+", word) and not re.search(
            r"(?i)(?:mahine|hafte|saal|sal|week|month|year)", word
        ):
            continue
        out.append((s, e, label))
    return out


def find(text: str) -> list[Span]:
    """Every grammar match; overlaps are resolved by the caller (longest wins)."""
    return accounts(text) + amounts(text) + dates(text)
