"""Annotated synthetic text for the financial NER: chat, Hinglish chat, bank SMS, narrations.

Frames (nivesh.data.ner_templates) are filled from grammars of the ways Indian
users and banks write amounts, dates and account masks, and from the merchant
gazetteer, so every entity's character offsets are known exactly. A fixed slice
of frames (every HOLD_OUT_EVERY-th of each kind) and of merchants
(nivesh.families.ner_lexicon.held_out) is kept out of training: `generate(...,
unseen=True)` builds text from only those, to measure generalisation rather than
memory. The same seed gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from nivesh.data import ner_templates as frames
from nivesh.families import ner_lexicon as lexicon

LABELS = ("MONEY", "DATE", "CATEGORY", "MERCHANT", "ACCOUNT")
HOLD_OUT_EVERY = 8
KIND_WEIGHTS = {"chat": 0.3, "hinglish": 0.2, "sms": 0.3, "narration": 0.2}
Row = tuple[str, list[tuple[int, int, str]]]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
SHORT = tuple(m[:3] for m in MONTHS)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HINDI_WEEKDAYS = ("somvar", "mangalvar", "budhvar", "guruvar", "shukravar", "shanivar", "ravivar")
FESTIVALS = ("Diwali", "Holi", "Dussehra", "Navratri", "Eid", "Christmas", "Raksha Bandhan", "Dhanteras", "Onam",
             "Pongal", "Ganesh Chaturthi", "New Year", "Rakhi", "Bhai Dooj", "Janmashtami", "Durga Puja")  # fmt: skip
BANKS = ("HDFC Bank", "SBI", "ICICI Bank", "Axis Bank", "Kotak", "PNB", "Bank of Baroda", "Canara Bank", "Union Bank",
         "IndusInd Bank", "Yes Bank", "IDFC FIRST Bank", "Federal Bank", "AU Bank", "RBL Bank", "Bank of India",
         "Indian Bank", "IDBI Bank", "SBI Card", "Amex", "HSBC", "Citi", "Standard Chartered")  # fmt: skip
BANK_CODES = ("HDFC", "SBIN", "ICIC", "UTIB", "KKBK", "PUNB", "BARB", "YESB", "CNRB", "INDB", "FDRL", "IDFB")
UPI_HANDLES = ("okhdfcbank", "okicici", "oksbi", "okaxis", "ybl", "paytm", "axl", "ibl", "upi", "apl", "icici",
               "hdfcbank", "axisbank", "kotak", "sbi", "yesbank", "pthdfc", "ptsbi", "waicici", "fam")  # fmt: skip
FIRST, LAST = lexicon.FIRST_NAMES, lexicon.LAST_NAMES
CITIES = ("MUMBAI", "BENGALURU", "PUNE", "DELHI", "CHENNAI", "KOLKATA", "HYDERABAD", "JAIPUR", "LUCKNOW", "KOCHI",
          "AHMEDABAD", "INDORE", "NOIDA", "GURGAON", "THANE", "PATNA", "BHOPAL", "NAGPUR")  # fmt: skip
CORP_SUFFIXES = (" LTD", " LIMITED", " PVT LTD", " INDIA", " RETAIL", " SERVICES", " TECHNOLOGIES", " INDIA PVT LTD")
HINDI_COUNTS = {1: "ek", 2: "do", 3: "teen", 4: "char", 5: "paanch", 10: "das"}


def _lakh_group(value: int) -> str:
    """12,34,567: Indian digit grouping."""
    s = str(value)
    if len(s) <= 3:
        return s
    head, tail = s[:-3], s[-3:]
    parts: list[str] = []
    while len(head) > 2:
        parts.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *parts, tail]) if head else ",".join([*parts, tail])


def _value(rng: random.Random) -> int:
    scale = rng.choice((10, 100, 1000, 1000, 10000, 10000, 100000))
    return max(1, int(rng.uniform(0.5, 9.9) * scale))


def _number(rng: random.Random, value: int | None = None) -> str:
    value = _value(rng) if value is None else value
    style = rng.randrange(6)
    if style == 0:
        return f"{value:,}"
    if style == 1:
        return _lakh_group(value)
    if style == 2:
        return f"{_lakh_group(value)}.{rng.choice(('00', '00', '50', str(rng.randint(10, 99))))}"
    if style == 3:
        return f"{value}.{rng.choice(('00', '0', '50'))}"
    return str(value)


def money(rng: random.Random) -> str:
    n = _number(rng)
    style = rng.randrange(24)
    forms: list[Callable[[], str]] = [
        lambda: f"Rs {n}",
        lambda: f"Rs.{n}",
        lambda: f"Rs. {n}",
        lambda: f"INR {n}",
        lambda: f"\u20b9{n}",
        lambda: f"\u20b9 {n}",
        lambda: f"{n} rupees",
        lambda: f"rs {n}",
        lambda: f"Rs:{n}",
        lambda: f"INR{n}",
        lambda: f"{rng.choice((1, 2, 2.5, 5, 12, 1.5, 3.25))} lakh",
        lambda: f"{rng.randint(2, 99)}k",
        lambda: f"{rng.choice((1, 1.5, 2, 3))} crore",
        lambda: f"{rng.randint(2, 90)} hazaar",
        lambda: f"{rng.randint(2, 90)} hazar",
        lambda: f"{rng.randint(2, 99)} thousand",
        lambda: f"{rng.choice(list(HINDI_COUNTS.values()))} {rng.choice(('lakh', 'hazaar', 'sau'))}",
        lambda: f"saadhe {rng.choice(('teen', 'char', 'paanch'))} hazaar",
        lambda: f"{n} rupaye",
        lambda: f"{rng.randint(50, 999)} bucks",
        lambda: f"{rng.choice((2, 5, 10, 25))} lakhs",
        lambda: f"{rng.randint(1, 9)}.{rng.randint(1, 9)}k",
        lambda: f"USD {rng.randint(5, 99)}.{rng.randint(10, 99)}",
        lambda: f"Rs {rng.choice((1, 2, 5))} lac",
    ]
    return forms[style]()


def bare(rng: random.Random) -> str:
    return _number(rng, rng.choice((rng.randint(20, 999), rng.randint(1000, 99999))))


def day(rng: random.Random) -> str:
    """A calendar day as SMS and statements print it."""
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2024, 2025, 2026))
    mon = SHORT[m - 1]
    forms = (
        f"{d:02d}-{mon}-{y % 100}", f"{d:02d}-{mon.upper()}-{y % 100}", f"{d:02d}{mon.upper()}{y % 100}",
        f"{d:02d}{mon}{y % 100}", f"{d:02d}/{m:02d}/{y % 100}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}-{m:02d}-{y}",
        f"{d:02d}-{m:02d}-{y % 100}", f"{y}-{m:02d}-{d:02d}", f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}", f"{d} {mon} {y}", f"{d} {MONTHS[m - 1]} {y}",
        f"{d:02d}.{m:02d}.{y % 100}", f"{mon} {d}, {y}", f"{d} {mon.upper()} {y}", f"{d}/{m}/{y}",
        f"{d:02d}{mon}{y}", f"{d} {mon}", f"{d:02d}-{m:02d}", f"{_ordinal(d)} {mon}",
    )  # fmt: skip
    return rng.choice(forms)


def _ordinal(d: int) -> str:
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


def date(rng: random.Random) -> str:
    """A day or period as people say it, in English and Hinglish."""
    k = rng.randrange(22)
    n = rng.randint(2, 12)
    month = rng.choice(MONTHS)
    forms: list[Callable[[], str]] = [
        lambda: rng.choice(
            (
                "last month",
                "this month",
                "next month",
                "previous month",
                "coming month",
                "current month",
                "last week",
                "this week",
                "next week",
                "last year",
                "this year",
                "last weekend",
                "this weekend",
                "last quarter",
            )
        ),
        lambda: rng.choice(("yesterday", "today", "tomorrow", "day after tomorrow", "day before yesterday")),
        lambda: rng.choice(
            (
                "pichle mahine",
                "pichhle mahine",
                "is mahine",
                "agle mahine",
                "pichle hafte",
                "is hafte",
                "agle hafte",
                "pichle saal",
                "is saal",
                "kal",
                "parso",
                "aaj",
                "aaj subah",
                "kal raat",
                "agle saal",
            )
        ),
        lambda: f"{rng.choice(('last', 'past', 'previous'))} {n} {rng.choice(('months', 'days', 'weeks'))}",
        lambda: f"pichle {n} {rng.choice(('mahine', 'din', 'hafte'))}",
        lambda: f"{rng.choice((n, 'two', 'three'))} {rng.choice(('days', 'weeks', 'months'))} ago",
        lambda: month,
        lambda: month[:3],
        lambda: month.lower(),
        lambda: f"{month} {rng.choice((2023, 2024, 2025))}",
        lambda: f"{month[:3]} {rng.choice((2024, 2025))}",
        lambda: f"{_ordinal(rng.randint(1, 28))} {rng.choice((month, month[:3]))}",
        lambda: f"{rng.choice((month, month[:3]))} {rng.randint(1, 28)}",
        lambda: f"{rng.choice(('last', 'next', 'this', 'coming'))} {rng.choice(WEEKDAYS)}",
        lambda: rng.choice(WEEKDAYS),
        lambda: f"{rng.choice(('pichle', 'agle'))} {rng.choice(HINDI_WEEKDAYS)}",
        lambda: f"{rng.choice(('', '', 'this ', 'last ', 'pichle '))}{rng.choice(FESTIVALS)}",
        lambda: rng.choice(
            (
                f"FY{rng.randint(22, 26)}",
                f"FY {rng.randint(2022, 2025)}-{rng.randint(23, 26)}",
                f"FY{rng.randint(2022, 2025)}-{rng.randint(23, 26)}",
                f"AY {rng.randint(2023, 2026)}-{rng.randint(24, 27)}",
                "this financial year",
                "last financial year",
                "last FY",
                "current FY",
                "pichle financial year",
            )
        ),
        lambda: str(rng.choice((2022, 2023, 2024, 2025))),
        lambda: f"{rng.choice(MONTHS)[:3]}-{rng.choice(MONTHS)[:3]} {rng.choice((2024, 2025))}".upper(),
        lambda: f"{rng.choice(MONTHS)} to {rng.choice(MONTHS)}",
        lambda: day(rng),
    ]
    return forms[k]().strip()


def mask(rng: random.Random) -> str:
    digits = str(rng.randint(1000, 9999))
    forms = (
        f"XX{digits}", f"XXXX{digits}", f"X{digits}", f"x{digits}", f"xx{digits}", f"*{digits}", f"**{digits}",
        f"XXXXXXXX{digits}", f"XXXXXX{digits[:3]}", f"XXXX XXXX XXXX {digits}", f"XXXX-XXXX-XXXX-{digits}",
        f"{rng.randint(4000, 5999)}-XXXX-XXXX-{digits}", f"{rng.randint(400000, 599999)}XXXXXX{digits}",
        f"4xxxxxxxxxxx{digits}", f"\u2022\u2022\u2022\u2022 {digits}", f"XXX{digits}", f"xx{digits[:3]}",
    )  # fmt: skip
    return rng.choice(forms)


def upi(rng: random.Random) -> str:
    name = rng.choice(
        (
            f"{rng.choice(FIRST)}.{rng.choice(LAST)}",
            f"{rng.choice(FIRST)}{rng.randint(1, 99)}",
            rng.choice(FIRST),
            f"{rng.randint(6000000000, 9999999999)}",
            lexicon.normalize(rng.choice(list(lexicon.training_merchants()))).replace(" ", "")[:14] or "shop",
        )
    )
    return f"{name}@{rng.choice(UPI_HANDLES)}"


def ifsc(rng: random.Random) -> str:
    return f"{rng.choice(BANK_CODES)}0{rng.randint(0, 999999):06d}"


def account(rng: random.Random) -> str:
    return rng.choice((mask(rng), upi(rng), ifsc(rng), str(rng.randint(10**9, 10**14))))


class _Merchants:
    """Cached name lists per split: the training slice or the held-out slice."""

    def __init__(self, unseen: bool) -> None:
        names = lexicon.unseen_merchants() if unseen else lexicon.training_merchants()
        self.names = sorted(names)

    def pick(self, rng: random.Random, kind: str) -> str:
        name = rng.choice(self.names)
        if kind in ("sms", "narration") and rng.random() < 0.6:
            name = name.upper() + (rng.choice(CORP_SUFFIXES) if rng.random() < 0.3 else "")
        elif kind in ("chat", "hinglish") and rng.random() < 0.3:
            name = name.lower()
        return name


def category(rng: random.Random, kind: str) -> str:
    term = rng.choice(lexicon.CATEGORY_TERMS)
    if kind == "narration":
        return rng.choice((term.upper(), term.title()))
    return term if rng.random() < 0.8 else term.title()


def person(rng: random.Random, kind: str) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return name.upper() if kind == "narration" or rng.random() < 0.3 else name.title()


FILLERS: dict[str, Callable[[random.Random], str]] = {
    "REF": lambda rng: str(rng.randint(10**11, 10**12 - 1)),
    "BANK": lambda rng: rng.choice(BANKS),
    "BANKCODE": lambda rng: rng.choice(BANK_CODES),
    "CITY": lambda rng: rng.choice(CITIES),
    "TIME": lambda rng: rng.choice((f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                                    f"{rng.randint(1, 12)}:{rng.randint(10, 59)} {rng.choice(('AM', 'PM'))}")),
    "PHONE": lambda rng: str(rng.choice((rng.randint(6000000000, 9999999999), 18002586161, 18001080))),
    "PHONE_MASK": lambda rng: f"9XXXXXX{rng.randint(100, 999)}",
    "NUM": lambda rng: str(rng.choice((rng.randint(2, 12), rng.randint(100, 999999)))),
    "PCT": lambda rng: f"{rng.choice((5, 7.1, 10, 15, 18, 20, 30, 40))}%",
    "OTP": lambda rng: str(rng.randint(100000, 999999)),
    "LAST4_PLAIN": lambda rng: str(rng.randint(1000, 9999)),
}  # fmt: skip


def _frames(kind: str, unseen: bool) -> tuple[str, ...]:
    all_frames = frames.KINDS[kind]
    return tuple(f for i, f in enumerate(all_frames) if (i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1) == unseen)


def _vary(frame: str, kind: str, rng: random.Random) -> str:
    """Swap one or two of a frame's plain words for everyday words, so that the model
    cannot learn that every word it has not seen in a frame is a merchant."""
    words = frame.split(" ")
    plain = [i for i, w in enumerate(words) if w.isalpha() and "{" not in w]
    vocabulary = lexicon.packaged_words()
    for i in rng.sample(plain, min(len(plain), rng.choice((1, 1, 2)))):
        word = rng.choice(vocabulary)
        words[i] = word.title() if kind == "sms" and rng.random() < 0.3 else word
    return " ".join(words)


def _fill(frame: str, kind: str, rng: random.Random, merchants: _Merchants) -> Row:
    slots: dict[str, Callable[[], str]] = {
        "MONEY": lambda: money(rng), "BARE": lambda: bare(rng), "DATE": lambda: date(rng),
        "DAY": lambda: day(rng), "MASK": lambda: mask(rng), "UPI": lambda: upi(rng), "IFSC": lambda: ifsc(rng),
        "LAST4": lambda: str(rng.randint(1000, 9999)), "ACCOUNT": lambda: account(rng),
        "MERCHANT": lambda: merchants.pick(rng, kind), "CATEGORY": lambda: category(rng, kind),
    }  # fmt: skip
    label_of = {"BARE": "MONEY", "DAY": "DATE", "MASK": "ACCOUNT", "UPI": "ACCOUNT", "IFSC": "ACCOUNT",
                "LAST4": "ACCOUNT"}  # fmt: skip
    text, spans, i = "", [], 0
    while i < len(frame):
        if frame[i] == "{":
            j = frame.index("}", i)
            slot = frame[i + 1 : j]
            if slot in slots:
                value = slots[slot]()
                spans.append((len(text), len(text) + len(value), label_of.get(slot, slot)))
            elif slot == "PERSON":
                value = person(rng, kind)
            else:
                value = FILLERS[slot](rng)
            text += value
            i = j + 1
        else:
            text += frame[i]
            i += 1
    return text, spans


def generate(n: int = 2000, seed: int = 21, unseen: bool = False) -> list[Row]:
    """`n` annotated texts (text, [(start, end, label)]): the training slice of frames and
    merchants, or with `unseen` only the held-out ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    merchants = _Merchants(unseen)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    pools = {k: _frames(k, unseen) for k in kinds}
    out = []
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        frame = rng.choice(pools[kind])
        if kind != "narration" and rng.random() < 0.4:
            frame = _vary(frame, kind, rng)
        text, spans = _fill(frame, kind, rng, merchants)
        if kind == "chat":
            opener, closer = rng.choice(frames.CHAT_OPENERS), rng.choice(frames.CHAT_CLOSERS)
            text = opener + text + closer
            spans = [(s + len(opener), e + len(opener), label) for s, e, label in spans]
            if rng.random() < 0.3:
                text = text.lower()
        out.append((text, spans))
    return out
