"""Annotated synthetic text for the financial NER model: user queries and bank narrations.

Queries ("how much did I spend on food at Swiggy last month") and transaction
narrations as Indian banks print them (UPI/DR/..., NEFT-<IFSC>-..., POS XXXX1234 ...)
are built from slots, so every entity's character offsets are known exactly.
Labels: MONEY, DATE, CATEGORY, MERCHANT, ACCOUNT (masked account numbers, UPI ids,
IFSC codes). The same seed gives the same rows.
"""

from __future__ import annotations

import random

LABELS = ("MONEY", "DATE", "CATEGORY", "MERCHANT", "ACCOUNT")
MERCHANTS = (
    "Swiggy", "Zomato", "Amazon", "Flipkart", "BigBasket", "Myntra", "Uber", "Ola", "IRCTC", "DMart",
    "Reliance Digital", "Croma", "Blinkit", "Zepto", "Nykaa", "MakeMyTrip", "BookMyShow", "Apollo Pharmacy",
    "Tata Cliq", "Jio", "Airtel", "Paytm Mall", "Decathlon", "Lenskart", "PVR", "HP Petrol Pump", "Indian Oil",
    "Cult.fit", "Urban Company", "Meesho",
)  # fmt: skip
CATEGORIES = (
    "food", "groceries", "shopping", "travel", "fuel", "rent", "electricity", "entertainment", "medical", "education",
    "EMI", "insurance", "dining", "mobile recharge", "utilities", "investments", "clothes", "subscriptions",
)  # fmt: skip
BANKS = ("HDFC", "SBIN", "ICIC", "UTIB", "KKBK", "PUNB", "BARB", "YESB")
UPI_HANDLES = ("okhdfcbank", "okicici", "oksbi", "ybl", "paytm", "axl", "ibl", "upi")
NAMES = ("rahul", "priya.s", "amit_k", "neha", "vikram.r", "sneha99", "arjun", "kavya.m", "rohan", "ananya")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)  # fmt: skip
RELATIVE_DATES = (
    "last month", "this month", "yesterday", "today", "last week", "this week", "last year", "past 3 months",
    "previous month", "last 6 months", "pichle mahine",
)  # fmt: skip


def _money(rng: random.Random) -> str:
    value = rng.choice((99, 250, 499, 1200, 2500, 4999, 15000, 25000, 75000, 120000, 350000))
    style = rng.randrange(11)
    if style == 9:
        return f"${rng.choice((2, 13, 0.1, 689, 71.3))} {rng.choice(('million', 'billion'))}"
    if style == 10:
        return f"$ {value:,}"
    if style == 0:
        return f"Rs {value:,}"
    if style == 1:
        return f"Rs.{value}"
    if style == 2:
        return f"INR {value:,}.00"
    if style == 3:
        return f"\u20b9{value:,}"
    if style == 4:
        return f"{rng.choice((1, 2, 2.5, 5, 12))} lakh"
    if style == 5:
        return f"{rng.choice((5, 10, 15, 50))}k"
    if style == 6:
        return f"{rng.choice((1, 1.5, 2))} crore"
    if style == 7:
        return f"{value} rupees"
    return f"Rs {rng.choice((2, 5, 10))} lakh"


def _date(rng: random.Random) -> str:
    style = rng.randrange(7)
    if style == 5:
        return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.choice((2011, 2018, 2024, 2025))}"
    if style == 6:
        return str(rng.choice((2019, 2022, 2024, 2025)))
    if style == 0:
        return rng.choice(RELATIVE_DATES)
    if style == 1:
        return f"{rng.randint(1, 28)} {rng.choice(MONTHS)}"
    if style == 2:
        return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice((2025, 2026))}"
    if style == 3:
        return f"{rng.choice(MONTHS)} {rng.choice((2024, 2025, 2026))}"
    return f"{rng.randint(1, 28):02d}-{rng.choice(MONTHS)[:3].upper()}-{rng.choice((25, 26))}"


def _account(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"XXXX{rng.randint(1000, 9999)}"
    if style == 1:
        return f"XX{rng.randint(1000, 9999)}"
    if style == 2:
        return f"{rng.choice(NAMES)}@{rng.choice(UPI_HANDLES)}"
    return f"{rng.choice(BANKS)}0{rng.randint(100000, 999999)}"


SLOTS = {
    "MONEY": _money,
    "DATE": _date,
    "ACCOUNT": _account,
    "MERCHANT": lambda rng: rng.choice(MERCHANTS),
    "CATEGORY": lambda rng: rng.choice(CATEGORIES),
}

TEMPLATES = (
    "how much did I spend on {CATEGORY} {DATE}",
    "how much did I spend at {MERCHANT} {DATE}",
    "show my {CATEGORY} expenses from {DATE}",
    "I paid {MONEY} to {MERCHANT} on {DATE}",
    "transfer {MONEY} to {ACCOUNT}",
    "send {MONEY} to {ACCOUNT} for {CATEGORY}",
    "set a {CATEGORY} budget of {MONEY}",
    "was {MONEY} debited from {ACCOUNT} {DATE}",
    "{MERCHANT} charged me {MONEY} twice {DATE}",
    "refund of {MONEY} from {MERCHANT} not received",
    "maine {DATE} {CATEGORY} pe {MONEY} kharch kiye",
    "{MERCHANT} ka bill {MONEY} aaya",
    "my {CATEGORY} spend {DATE} was {MONEY}",
    "block card {ACCOUNT}, unknown {MONEY} payment to {MERCHANT}",
    "can I afford a {MONEY} loan for {CATEGORY}",
    "compare {CATEGORY} spending {DATE} and {DATE}",
    "UPI/DR/{REF}/{MERCHANT}/{ACCOUNT}/Payment",
    "UPI-{MERCHANT}-{ACCOUNT}-{REF}-{CATEGORY}",
    "NEFT-{ACCOUNT}-{PERSON}-{MONEY}",
    "POS {ACCOUNT} {MERCHANT} {CITY} {DATE}",
    "ACH/{MERCHANT}/{CATEGORY}/{REF} {MONEY}",
    "IMPS/{REF}/{ACCOUNT}/{MONEY}",
    "A/c {ACCOUNT} debited by {MONEY} on {DATE} at {MERCHANT}",
    "A/c {ACCOUNT} credited with {MONEY} on {DATE}",
    "revenue was {MONEY} in {DATE} compared with {MONEY} a year earlier",
    "on {DATE} the company paid {MONEY} to acquire {MERCHANT}",
)
FILLERS = {
    "REF": lambda rng: str(rng.randint(10**11, 10**12 - 1)),
    "PERSON": lambda rng: rng.choice(("RAMESH KUMAR", "SUNITA DEVI", "A SHARMA", "MOHAN LAL")),
    "CITY": lambda rng: rng.choice(("MUMBAI", "BENGALURU", "PUNE", "DELHI", "CHENNAI", "KOLKATA")),
}


def _fill(template: str, rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, i = "", [], 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            slot = template[i + 1 : j]
            value = SLOTS[slot](rng) if slot in SLOTS else FILLERS[slot](rng)
            if slot in SLOTS:
                spans.append((len(text), len(text) + len(value), slot))
            text += value
            i = j + 1
        else:
            text += template[i]
            i += 1
    return text, spans


def generate(n: int = 2000, seed: int = 21) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """`n` annotated texts: (text, [(start, end, label), ...])."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    out = []
    for _ in range(n):
        text, spans = _fill(rng.choice(TEMPLATES), rng)
        if rng.random() < 0.3:
            text = text.lower()
        out.append((text, spans))
    return out
