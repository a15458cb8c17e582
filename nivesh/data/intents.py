"""Synthetic user queries for the intent classifier: Indian personal-finance intents.

Templates are filled with amounts (Rs / INR / rupee sign, lakh, "5k"), merchants,
banks, funds and months, in English and Hinglish spellings, with random casing,
dropped punctuation and typos, so a model cannot learn one phrasing per intent.
The same seed gives the same rows.
"""

from __future__ import annotations

import random
import re

import pandas as pd

from nivesh.data.intent_templates import FRAMES, OUT_OF_SCOPE

__all__ = ["INTENTS", "OUT_OF_SCOPE", "frames", "generate"]

MERCHANTS = ("Swiggy", "Zomato", "Amazon", "Flipkart", "BigBasket", "Myntra", "Uber", "Ola", "IRCTC", "DMart",
             "Netflix", "Blinkit", "Zepto", "Rapido", "IndiGo", "Nykaa", "Croma", "PhonePe", "Paytm",
             "Jio")  # fmt: skip
BANKS = ("HDFC", "SBI", "ICICI", "Axis", "Kotak", "PNB", "Bank of Baroda", "Canara", "IDFC First", "Yes Bank")
FUNDS = ("Parag Parikh Flexi Cap", "Nifty 50 index fund", "ELSS", "HDFC Mid-Cap", "SBI Bluechip", "Axis Small Cap",
         "Quant Active", "Mirae Emerging Bluechip", "ICICI Pru Balanced Advantage",
         "UTI Nifty Next 50")  # fmt: skip
MONTHS = ("January", "Feb", "March", "April", "May", "June", "July", "Aug", "September", "October", "Nov", "December")
CATEGORIES = ("food", "groceries", "shopping", "travel", "fuel", "rent", "electricity bill", "entertainment",
              "eating out", "medicines", "kids' school", "subscriptions", "cab rides", "khana", "kapde")  # fmt: skip
GOALS = ("a car", "my daughter's education", "a house down payment", "a Goa trip", "my wedding", "retirement",
         "a new bike", "an iPhone", "my MBA", "a Europe holiday", "parents' medical fund", "ghar")  # fmt: skip
ITEMS = ("iPhone", "laptop", "washing machine", "AC", "scooter", "samosa", "TV", "fridge", "smartwatch", "sofa")
CITIES = ("Mumbai", "Delhi", "Bengaluru", "Pune", "Chennai", "Hyderabad", "Kolkata", "Jaipur", "Lucknow", "Kochi")
HOLD_OUT_EVERY = (
    8  # every 8th frame of each intent: never trained on; calibrates out-of-scope and measures unseen phrasing
)

TEMPLATES: dict[str, tuple[str, ...]] = FRAMES
INTENTS: tuple[str, ...] = tuple(TEMPLATES)

HINGLISH = {"money": "paise", "month": "mahina", "how much": "kitna", "please": "plz", "what": "kya"}


def _amount(rng: random.Random) -> str:
    value = rng.choice((500, 1500, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1500000))
    style = rng.randrange(6)
    if style == 0:
        return f"Rs {value:,}"
    if style == 1:
        return f"INR {value}"
    if style == 2:
        return f"\u20b9{value:,}"
    if style == 3 and value >= 100000:
        return f"{value / 100000:g} lakh"
    if style == 4 and value >= 1000:
        return f"{value // 1000}k"
    return f"{value} rupees"


def _noise(text: str, rng: random.Random) -> str:
    if rng.random() < 0.25:
        for en, hi in HINGLISH.items():
            text = re.sub(rf"\b{en}\b", hi, text)
    if rng.random() < 0.3:
        text = text.lower()
    elif rng.random() < 0.2:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.3:
        text += rng.choice(("?", "??", ".", " pls", " asap", "!"))
    if rng.random() < 0.15 and len(text) > 8:  # a typo: two neighbouring letters swapped
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def frames(intent: str, unseen: bool = False) -> tuple[str, ...]:
    """An intent's training frames, or with `unseen` the held-out ones."""
    return tuple(f for i, f in enumerate(TEMPLATES[intent]) if (i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1) == unseen)


def generate(n: int = 3000, seed: int = 11, unseen: bool = False) -> pd.DataFrame:
    """`n` labelled queries, balanced over the intents, from the training frames (or the
    held-out frames with `unseen`)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    pools = {intent: frames(intent, unseen) for intent in INTENTS}
    rows = []
    for i in range(n):
        intent = INTENTS[i % len(INTENTS)]
        text = rng.choice(pools[intent]).format(
            amount=_amount(rng),
            merchant=rng.choice(MERCHANTS),
            bank=rng.choice(BANKS),
            fund=rng.choice(FUNDS),
            month=rng.choice(MONTHS),
            category=rng.choice(CATEGORIES),
            goal=rng.choice(GOALS),
            item=rng.choice(ITEMS),
            city=rng.choice(CITIES),
            number=rng.choice((5, 12, 18, 100, 250, 4521889012)),
        )
        rows.append((_noise(text, rng), intent))
    rng.shuffle(rows)
    return pd.DataFrame(rows, columns=["text", "label"])
