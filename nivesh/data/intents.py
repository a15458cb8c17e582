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

OUT_OF_SCOPE = "out_of_scope"

MERCHANTS = ("Swiggy", "Zomato", "Amazon", "Flipkart", "BigBasket", "Myntra", "Uber", "Ola", "IRCTC", "DMart")
BANKS = ("HDFC", "SBI", "ICICI", "Axis", "Kotak", "PNB", "Bank of Baroda")
FUNDS = ("Parag Parikh Flexi Cap", "Nifty 50 index fund", "ELSS", "HDFC Mid-Cap", "SBI Bluechip", "Axis Small Cap")
MONTHS = ("January", "Feb", "March", "April", "May", "June", "July", "Aug", "September", "October", "Nov", "December")
CATEGORIES = ("food", "groceries", "shopping", "travel", "fuel", "rent", "electricity bill", "entertainment")
GOALS = ("a car", "my daughter's education", "a house down payment", "a Goa trip", "my wedding", "retirement")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "check_balance": (
        "what is my {bank} account balance",
        "how much money do I have left",
        "mera balance kitna hai",
        "show balance in my savings account",
        "balance batao {bank} wala",
        "kitne paise bache hai account mein",
        "check my available balance please",
        "is there at least {amount} in my account",
    ),
    "spending_summary": (
        "how much did I spend on {category} last month",
        "what did I spend at {merchant} in {month}",
        "maine {month} mein kitna kharcha kiya",
        "show my {category} expenses this month",
        "total spend on {merchant} this year",
        "where is all my money going",
        "{category} pe kitna gaya pichle mahine",
        "break down my spending by category for {month}",
    ),
    "budget": (
        "set a monthly budget of {amount} for {category}",
        "help me make a budget with {amount} salary",
        "mujhe budget banana hai {amount} income pe",
        "alert me if {category} crosses {amount}",
        "am I over my {category} budget",
        "how should I split {amount} between needs and wants",
        "create a 50 30 20 budget for me",
        "budget limit {amount} rakho {category} ke liye",
    ),
    "sip_mutual_funds": (
        "should I start a SIP of {amount} in {fund}",
        "which mutual fund is good for SIP",
        "SIP kaise start kare {amount} per month",
        "increase my SIP in {fund} by {amount}",
        "is {fund} better than an index fund",
        "how is my mutual fund portfolio doing",
        "stop my SIP in {fund}",
        "direct vs regular plan mutual fund kaunsa better hai",
    ),
    "fixed_deposit": (
        "what is the FD rate at {bank}",
        "open a fixed deposit of {amount} for 1 year",
        "FD karna hai {amount} ka {bank} mein",
        "break my FD early, what is the penalty",
        "FD vs RD which gives more interest",
        "senior citizen FD rates at {bank}",
        "when does my fixed deposit mature",
        "tax saver FD of {amount} for 5 years",
    ),
    "tax_saving_80c": (
        "how can I save tax under 80C",
        "80C mein {amount} ka limit kaise use kare",
        "is ELSS better than PPF for tax saving",
        "how much tax will I save if I invest {amount} in PPF",
        "old regime or new regime which is better for {amount} salary",
        "does my home loan principal count under 80C",
        "tax bachane ke liye kya invest karu",
        "can I claim LIC premium under section 80C",
    ),
    "loan_emi": (
        "am I eligible for a personal loan of {amount}",
        "what will be the EMI on a {amount} home loan",
        "loan milega kya {amount} ka",
        "calculate EMI for {amount} at 9 percent for 5 years",
        "should I prepay my car loan or invest",
        "how much home loan can I get with {amount} salary",
        "EMI kitni banegi {amount} loan pe",
        "my credit score is 680 can I get a loan from {bank}",
    ),
    "upi_card_issue": (
        "my UPI payment of {amount} to {merchant} failed but money got debited",
        "card declined at {merchant}",
        "UPI pin bhool gaya kya karu",
        "refund from {merchant} not received yet",
        "my debit card is not working at the ATM",
        "paisa kat gaya but payment failed",
        "how do I increase my UPI limit",
        "credit card bill shows wrong amount of {amount}",
    ),
    "fraud_report": (
        "someone used my card at {merchant} without permission",
        "I got a call asking for my OTP and lost {amount}",
        "there is a transaction of {amount} I did not make",
        "mere account se {amount} nikal gaye bina bataye",
        "block my card immediately it is stolen",
        "I clicked a link and money was debited",
        "fraud hua hai mere saath {amount} gaye",
        "report unauthorised UPI transaction of {amount}",
    ),
    "savings_goal": (
        "I want to save {amount} for {goal}",
        "how long to save for {goal} if I put {amount} a month",
        "{goal} ke liye paise jodne hai",
        "create a goal for {goal} of {amount}",
        "how much should I save every month for {goal}",
        "track my progress towards {goal}",
        "emergency fund kitna hona chahiye",
        "plan my savings for {goal} in 3 years",
    ),
    OUT_OF_SCOPE: (
        "what is the weather in Mumbai today",
        "tell me a joke",
        "who won the cricket match yesterday",
        "recommend a good movie on Netflix",
        "book a table at a restaurant",
        "aaj khana kya banau",
        "translate hello to Tamil",
        "what is the capital of Australia",
        "play some Arijit Singh songs",
        "how do I reset my wifi router",
    ),
}
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


def generate(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    """`n` labelled queries, balanced over the intents."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    rows = []
    for i in range(n):
        intent = INTENTS[i % len(INTENTS)]
        text = rng.choice(TEMPLATES[intent]).format(
            amount=_amount(rng),
            merchant=rng.choice(MERCHANTS),
            bank=rng.choice(BANKS),
            fund=rng.choice(FUNDS),
            month=rng.choice(MONTHS),
            category=rng.choice(CATEGORIES),
            goal=rng.choice(GOALS),
        )
        rows.append((_noise(text, rng), intent))
    rng.shuffle(rows)
    return pd.DataFrame(rows, columns=["text", "label"])
