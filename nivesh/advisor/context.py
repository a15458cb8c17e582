"""The user's situation the advisor may use: derived from stored features, free of identifiers.

The transformer reads the FeatureService `financial_advisor_v1` (the credit-risk
profile and the spending-predictor's monthly history) and calls `derive` per user;
the result travels to the predictor as the row's `context` JSON, goes into the
Gemini prompt and, offline, into one "about you" sentence. Only coarse facts leave
here (an age band, rounded rupees), never the raw history or an identifier.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from nivesh.data.spending import HISTORY
from nivesh.errors import NiveshError

# Stored features the derivation reads (all in financial_advisor_v1).
PROFILE = ("person_age", "person_income", "person_emp_length", "cb_person_default_on_file")
SPEND_MONTHS = 3  # monthly spend = mean of the last three months (smooths a festival month)
RISK_LEVELS = ("conservative", "moderate", "aggressive")
# Rule of thumb for risk capacity: the age band sets the level, and each of a prior default,
# a savings rate under LOW_SAVINGS or under MIN_EMPLOYMENT_YEARS in work lowers it by one.
YOUNG, OLD = 35, 50
LOW_SAVINGS = 0.10
MIN_EMPLOYMENT_YEARS = 2.0


AGE_BAND = re.compile(r"^[1-9]0-[1-9]9$")
# The context contract: the only keys a row's context may carry, and what each must be.
# A client calling the predictor directly is held to it too, so nothing else (free text
# that could carry instructions or identifiers) reaches the prompt.
FIELDS: dict[str, str] = {
    "age_band": 'a decade such as "30-39"',
    "monthly_income_inr": "a number of rupees >= 0",
    "monthly_spend_inr": "a number of rupees >= 0",
    "savings_rate_pct": "a number between -1000 and 100",
    "risk_profile": " / ".join(RISK_LEVELS),
}


def validate(obj: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A client's context checked against FIELDS; the error names the key and what it must be."""
    for key, value in obj.items():
        if key not in FIELDS:
            raise NiveshError(f"{where}.{key}: unknown context field (allowed: {', '.join(FIELDS)})")
        if not _valid(key, value):
            raise NiveshError(f"{where}.{key}: expected {FIELDS[key]}, got {value!r}")
    return dict(obj)


def _valid(key: str, value: Any) -> bool:
    if value is None:
        return True
    if key == "age_band":
        return isinstance(value, str) and bool(AGE_BAND.match(value))
    if key == "risk_profile":
        return value in RISK_LEVELS
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return False
    return -1000 <= value <= 100 if key == "savings_rate_pct" else value >= 0


def monthly_spend(history: str | None) -> float | None:
    """Mean of the last SPEND_MONTHS months of a `spend_history` JSON ({"YYYY-MM": rupees})."""
    if not history:
        return None
    try:
        months = json.loads(history)
    except json.JSONDecodeError:
        return None
    if not isinstance(months, dict) or not months:
        return None
    recent = [float(months[m]) for m in sorted(months)[-SPEND_MONTHS:]]
    return sum(recent) / len(recent)


def risk_profile(age: float | None, default_on_file: str | None, savings: float | None, emp: float | None) -> str:
    level = 2 if age is not None and age < YOUNG else 1 if age is None or age <= OLD else 0
    level -= default_on_file == "Y"
    level -= savings is not None and savings < LOW_SAVINGS
    level -= emp is not None and emp < MIN_EMPLOYMENT_YEARS
    return RISK_LEVELS[max(level, 0)]


def derive(features: Mapping[str, Any]) -> dict[str, Any]:
    """One user's context from their stored features; {} when nothing is stored."""
    age, income = _number(features.get("person_age")), _number(features.get("person_income"))
    emp = _number(features.get("person_emp_length"))
    default = features.get("cb_person_default_on_file")
    spend = monthly_spend(features.get(HISTORY))
    monthly_income = income / 12 if income else None
    savings = 1 - spend / monthly_income if spend is not None and monthly_income else None
    if age is None and monthly_income is None and spend is None:
        return {}
    out: dict[str, Any] = {}
    if age is not None:
        decade = int(age // 10 * 10)
        out["age_band"] = f"{decade}-{decade + 9}"
    if monthly_income is not None:
        out["monthly_income_inr"] = _round(monthly_income)
    if spend is not None:
        out["monthly_spend_inr"] = _round(spend)
    if savings is not None:
        out["savings_rate_pct"] = round(100 * savings)
    out["risk_profile"] = risk_profile(age, default, savings, emp)
    return out


def describe(context: Mapping[str, Any]) -> str:
    """The offline answer's sentence about the user (empty without context)."""
    parts = []
    if context.get("monthly_spend_inr") is not None:
        parts.append(f"your spending averages {rupees(context['monthly_spend_inr'])} a month")
    rate = context.get("savings_rate_pct")
    if rate is not None:
        parts.append(f"you save about {rate}% of your income" if rate >= 0 else "you spend more than you earn")
    if context.get("risk_profile") is not None:
        parts.append(f"your risk capacity looks {context['risk_profile']}")
    return f"For you: {', '.join(parts)}." if parts else ""


def rupees(amount: float) -> str:
    """Indian digit grouping, as the corpus writes amounts: 1234567 -> Rs 12,34,567."""
    whole = str(round(amount))
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        head, groups = head[:-2], [head[-2:], *groups]
    return "Rs " + ",".join(([head] if head else []) + groups + [tail])


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return None if number != number else number  # NaN


def _round(amount: float) -> int:
    return int(round(amount, -2))
