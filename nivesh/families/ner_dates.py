"""DATE spans to ISO values relative to a given "today" (GUIDELINE.md in nivesh/data/text).

A day is {"date": "YYYY-MM-DD"}, a period {"start", "end"}. Weeks run Monday to
Sunday; "last Friday" is the Friday of last week; a day or month without a year is
the latest one at most FUTURE_DAYS ahead; Indian financial years run April to
March and "AY 2025-26" is FY 2024-25. Words people read two ways ("kal" is
yesterday or tomorrow) get no value rather than a guess.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from nivesh.families.ner_grammar import (
    COUNT_WORDS,
    LAST_WORDS,
    MONTHS,
    NEXT_WORDS,
    RELATIVE_WORDS,
    THIS_WORDS,
    UNIT_WORDS,
    WEEKDAYS,
)

Value = dict[str, str]
FUTURE_DAYS = 45
# Lunar festivals move: the Indian calendar's dates (Diwali = Lakshmi Puja), 2023-2027.
FESTIVAL_DAYS: dict[str, dict[int, tuple[str, str]]] = {
    "diwali": {2023: ("11-12", "11-12"), 2024: ("11-01", "11-01"), 2025: ("10-20", "10-20"),
               2026: ("11-08", "11-08"), 2027: ("10-29", "10-29")},
    "holi": {2023: ("03-08", "03-08"), 2024: ("03-25", "03-25"), 2025: ("03-14", "03-14"),
             2026: ("03-04", "03-04"), 2027: ("03-22", "03-22")},
    "dussehra": {2023: ("10-24", "10-24"), 2024: ("10-12", "10-12"), 2025: ("10-02", "10-02"),
                 2026: ("10-20", "10-20"), 2027: ("10-09", "10-09")},
    "navratri": {2023: ("10-15", "10-23"), 2024: ("10-03", "10-11"), 2025: ("09-22", "10-01"),
                 2026: ("10-11", "10-19"), 2027: ("09-30", "10-08")},
    "dhanteras": {2023: ("11-10", "11-10"), 2024: ("10-29", "10-29"), 2025: ("10-18", "10-18"),
                  2026: ("11-06", "11-06"), 2027: ("10-27", "10-27")},
    "raksha bandhan": {2023: ("08-30", "08-30"), 2024: ("08-19", "08-19"), 2025: ("08-09", "08-09"),
                       2026: ("08-28", "08-28"), 2027: ("08-17", "08-17")},
    "ganesh chaturthi": {2023: ("09-19", "09-19"), 2024: ("09-07", "09-07"), 2025: ("08-27", "08-27"),
                         2026: ("09-14", "09-14"), 2027: ("09-04", "09-04")},
    "eid": {2023: ("04-22", "04-22"), 2024: ("04-11", "04-11"), 2025: ("03-31", "03-31"),
            2026: ("03-21", "03-21"), 2027: ("03-10", "03-10")},
    "bakrid": {2023: ("06-29", "06-29"), 2024: ("06-17", "06-17"), 2025: ("06-07", "06-07"),
               2026: ("05-27", "05-27"), 2027: ("05-17", "05-17")},
    "onam": {2023: ("08-29", "08-29"), 2024: ("09-15", "09-15"), 2025: ("09-05", "09-05"),
             2026: ("08-26", "08-26"), 2027: ("09-14", "09-14")},
    "janmashtami": {2023: ("09-07", "09-07"), 2024: ("08-26", "08-26"), 2025: ("08-16", "08-16"),
                    2026: ("09-04", "09-04"), 2027: ("08-25", "08-25")},
    "bhai dooj": {2023: ("11-15", "11-15"), 2024: ("11-03", "11-03"), 2025: ("10-23", "10-23"),
                  2026: ("11-11", "11-11"), 2027: ("10-31", "10-31")},
}  # fmt: skip
FIXED_DAYS = {"christmas": "12-25", "new year": "01-01", "republic day": "01-26", "independence day": "08-15",
              "pongal": "01-14", "makar sankranti": "01-14", "sankranti": "01-14", "lohri": "01-13"}  # fmt: skip
ALIASES = {"deepavali": "diwali", "dipawali": "diwali", "dasara": "dussehra", "dussera": "dussehra",
           "vijayadashami": "dussehra", "navaratri": "navratri", "durga puja": "navratri", "rakhi": "raksha bandhan",
           "eid ul fitr": "eid", "ramzan eid": "eid", "eid al adha": "bakrid"}  # fmt: skip


def day(d: date) -> Value:
    return {"date": d.isoformat()}


def period(start: date, end: date) -> Value:
    return {"start": start.isoformat(), "end": end.isoformat()}


def month_range(year: int, month: int) -> Value:
    return period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def shift_month(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def fiscal_year(start_year: int) -> Value:
    return period(date(start_year, 4, 1), date(start_year + 1, 3, 31))


def _year(y: int) -> int:
    return y + 2000 if y < 100 else y


def _latest(today: date, month: int, d: int = 1) -> int:
    """The year of the latest (month, d) at most FUTURE_DAYS ahead of today."""
    for year in (today.year + 1, today.year, today.year - 1):
        try:
            candidate = date(year, month, d)
        except ValueError:
            continue
        if candidate <= today + timedelta(days=FUTURE_DAYS):
            return year
    return today.year - 1


def _safe_day(y: int, m: int, d: int) -> Value | None:
    try:
        return day(date(y, m, d))
    except ValueError:
        return None


def iso_date(text: str, today: date) -> Value | None:
    """The value of a DATE span, or None when it is not understood or is ambiguous."""
    t = " ".join(text.lower().replace(",", " , ").split()).replace(" ,", ",").strip(" .")
    for parse in (_relative_day, _relative_period, _weekday, _festival, _fiscal, _absolute):
        value = parse(t, today)
        if value is not None:
            return value
    return None


def _relative_day(t: str, today: date) -> Value | None:
    offsets = {"today": 0, "tonight": 0, "aaj": 0, "aj": 0, "yesterday": -1, "tomorrow": 1,
               "day after tomorrow": 2, "day before yesterday": -2}  # fmt: skip
    head = t.split(" ")[0] if t.split(" ")[0] in ("aaj", "aj") else t
    if head in offsets:
        return day(today + timedelta(days=offsets[head]))
    m = re.fullmatch(r"(\w+) (days?|weeks?|months?|years?|din|hafte|mahine|saal) (?:ago|back|pehle|pahle)", t)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else COUNT_WORDS.get(m.group(1))
        unit = UNIT_WORDS.get(m.group(2))
        if n is None or unit is None:
            return None
        if unit == "day":
            return day(today - timedelta(days=n))
        if unit == "week":
            return day(today - timedelta(weeks=n))
        if unit == "month":
            return month_range(*shift_month(today, -n))
        return period(date(today.year - n, 1, 1), date(today.year - n, 12, 31))
    return None


def _relative_period(t: str, today: date) -> Value | None:
    m = re.fullmatch(
        rf"(.+?) (?:(\w+) )?({'|'.join(UNIT_WORDS)})",
        t,
    )
    if not m or m.group(1) not in RELATIVE_WORDS:
        return None
    word, count, unit = m.group(1), m.group(2), UNIT_WORDS[m.group(3)]
    if count is not None:
        n = int(count) if count.isdigit() else COUNT_WORDS.get(count)
        if n is None or word not in LAST_WORDS:
            return None
        if unit == "day":
            return period(today - timedelta(days=n), today)
        if unit == "week":
            return period(today - timedelta(weeks=n), today)
        if unit == "month":
            y, mo = shift_month(today, -n)
            return period(date(y, mo, 1), today)
        if unit == "year":
            return period(date(today.year - n, today.month, 1), today)
        return None
    step = 0 if word in THIS_WORDS else (-1 if word in LAST_WORDS else 1)
    monday = today - timedelta(days=today.weekday())
    if unit == "week":
        start = monday + timedelta(weeks=step)
        return period(start, start + timedelta(days=6))
    if unit == "weekend":
        saturday = monday + timedelta(weeks=step, days=5)
        return period(saturday, saturday + timedelta(days=1))
    if unit == "month":
        return month_range(*shift_month(today, step))
    if unit == "year":
        return period(date(today.year + step, 1, 1), date(today.year + step, 12, 31))
    if unit == "quarter":
        y, mo = shift_month(today, 3 * step)
        first = (mo - 1) // 3 * 3 + 1
        return period(date(y, first, 1), date(y, first + 2, calendar.monthrange(y, first + 2)[1]))
    return None


def _weekday(t: str, today: date) -> Value | None:
    words = t.split(" ")
    if words[-1] not in WEEKDAYS or len(words) > 2 or (len(words) == 2 and words[0] not in RELATIVE_WORDS):
        return None
    target = WEEKDAYS[words[-1]]
    monday = today - timedelta(days=today.weekday())
    if len(words) == 1:  # the latest one on or before today
        return day(today - timedelta(days=(today.weekday() - target) % 7))
    word = words[0]
    if word in LAST_WORDS:
        return day(monday - timedelta(weeks=1) + timedelta(days=target))
    if word in NEXT_WORDS:
        return day(monday + timedelta(weeks=1, days=target))
    return day(monday + timedelta(days=target))


def _festival(t: str, today: date) -> Value | None:
    words = t.split(" ")
    modifier = words[0] if words[0] in RELATIVE_WORDS else None
    name = " ".join(words[1:] if modifier else words)
    name = ALIASES.get(name, name)
    table = FESTIVAL_DAYS.get(name)
    if table is None and name in FIXED_DAYS:
        table = {y: (FIXED_DAYS[name], FIXED_DAYS[name]) for y in range(today.year - 2, today.year + 3)}
    if table is None:
        return None
    if modifier in THIS_WORDS:
        year = today.year
    elif modifier is None:  # the latest one at most FUTURE_DAYS ahead
        year = max(
            (y for y in table if date.fromisoformat(f"{y}-{table[y][0]}") <= today + timedelta(days=FUTURE_DAYS)),
            default=None,
        )  # type: ignore[assignment]
    else:
        return None  # "last Diwali" is read as this year's or last year's: no guess
    if year is None or year not in table:
        return None
    start, end = table[year]
    if start == end:
        return day(date.fromisoformat(f"{year}-{start}"))
    return period(date.fromisoformat(f"{year}-{start}"), date.fromisoformat(f"{year}-{end}"))


def _fiscal(t: str, today: date) -> Value | None:
    current = today.year if today.month >= 4 else today.year - 1
    m = re.fullmatch(
        r"(this|current|last|previous|pichle|pichhle|next|agle) (?:financial year|fiscal year|fy|f\.y\.)", t
    )
    if m:
        word = m.group(1)
        return fiscal_year(current + (0 if word in ("this", "current") else -1 if word in LAST_WORDS else 1))
    m = re.fullmatch(r"q([1-4])\s?(fy\s?'?\d{2,4}(?:\s?[-\u2013/]\s?\d{2,4})?)", t)
    if m:  # a quarter of an Indian financial year: Q1 is April to June
        year = _fiscal(m.group(2), today)
        if year is None:
            return None
        y, mo = shift_month(date.fromisoformat(year["start"]), 3 * (int(m.group(1)) - 1))
        end_year, end_month = shift_month(date(y, mo, 1), 2)
        return period(date(y, mo, 1), date(end_year, end_month, calendar.monthrange(end_year, end_month)[1]))
    m = re.fullmatch(r"(fy|f\.y\.|ay|a\.y\.)\s?'?(\d{2,4})(?:\s?[-\u2013/]\s?(\d{2,4}))?", t)
    if m:
        first, second = m.group(2), m.group(3)
        if second is not None:
            start = _year(int(first))
        else:  # "FY24" names the year it ends in
            start = _year(int(first)) - 1
        if m.group(1).startswith("a"):
            start -= 1
        return fiscal_year(start)
    m = re.fullmatch(r"((?:19|20)\d{2})\s?[-\u2013]\s?(\d{2})", t)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return fiscal_year(int(m.group(1)))
    return None


def _absolute(t: str, today: date) -> Value | None:
    months = MONTHS
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[t:].*)?", t)
    if m:
        return _safe_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", t)
    if m:  # Indian order: day/month/year
        return _safe_day(_year(int(m.group(3))), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})", t)
    if m:
        d, mo = int(m.group(1)), int(m.group(2))
        return _safe_day(_latest(today, mo, d), mo, d) if 1 <= mo <= 12 else None
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?(?:[ -]?| of )([a-z]+)\.?(?:[ ,'-]*(\d{4}|\d{2}))?", t)
    if m and m.group(2) in months:
        mo, d = months[m.group(2)], int(m.group(1))
        year = _year(int(m.group(3))) if m.group(3) else _latest(today, mo, d)
        return _safe_day(year, mo, d)
    m = re.fullmatch(r"([a-z]+)\.?[ -](\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", t)
    if m and m.group(1) in months:
        mo, d = months[m.group(1)], int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _latest(today, mo, d)
        return _safe_day(year, mo, d)
    m = re.fullmatch(r"([a-z]+)\.? ?(?:-|to|till|until|se) ?([a-z]+)\.?(?:,? (\d{4}))?", t)
    if m and m.group(1) in months and m.group(2) in months:
        first, last = months[m.group(1)], months[m.group(2)]
        year = int(m.group(3)) if m.group(3) else _latest(today, first)
        end_year = year if last >= first else year + 1
        return period(date(year, first, 1), date(end_year, last, calendar.monthrange(end_year, last)[1]))
    m = re.fullmatch(r"([a-z]+)\.?(?:[ ,'-]+(\d{4}))?", t)
    if m and m.group(1) in months:
        mo = months[m.group(1)]
        return month_range(int(m.group(2)) if m.group(2) else _latest(today, mo), mo)
    m = re.fullmatch(r"(?:19|20)\d{2}", t)
    if m:
        return period(date(int(t), 1, 1), date(int(t), 12, 31))
    return None
