"""Synthetic Indian borrowers, their loan applications and outcomes.

The columns mirror the public "Credit Risk Dataset" (person_*, loan_*, cb_*), so the
same training path takes the synthetic data, the real file, or a user's own CSV.
Amounts are rupees: annual incomes around Rs 3-12 lakh, loans from Rs 25,000 to
Rs 25 lakh. Profiles change over time (two snapshots per user) so the Feast
point-in-time join matters: an application sees the profile valid at its time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.data.schema import Column, Kind, TableSchema

# The real dataset's columns, in its order; `loan_status` (1 = default) is the label.
CREDIT_RISK_SCHEMA = TableSchema(
    name="credit-risk",
    label="loan_status",
    columns=(
        Column("person_age", Kind.INTEGER, description="age in years"),
        Column("person_income", Kind.NUMBER, description="annual income"),
        Column("person_home_ownership", Kind.CATEGORY, description="RENT/OWN/MORTGAGE/OTHER"),
        Column("person_emp_length", Kind.NUMBER, nullable=True, description="years employed"),
        Column("loan_intent", Kind.CATEGORY, description="purpose of the loan"),
        Column("loan_amnt", Kind.NUMBER, description="amount asked for", minimum=0),
        Column("loan_int_rate", Kind.NUMBER, nullable=True, description="interest rate, percent", minimum=0),
        Column("loan_status", Kind.INTEGER, description="1 if the loan defaulted"),
        Column("loan_percent_income", Kind.NUMBER, description="loan_amnt / person_income"),
        Column("cb_person_default_on_file", Kind.CATEGORY, description="prior default Y/N"),
        Column("cb_person_cred_hist_length", Kind.INTEGER, description="credit history, years"),
    ),
)

# Stored per user in Feast (user_profile view); the rest arrive with the request.
PROFILE_FEATURES = (
    "person_age",
    "person_income",
    "person_home_ownership",
    "person_emp_length",
    "cb_person_default_on_file",
    "cb_person_cred_hist_length",
)

HOME_OWNERSHIP = ("RENT", "OWN", "MORTGAGE", "OTHER")
LOAN_INTENTS = (
    "EDUCATION",
    "MEDICAL",
    "VENTURE",
    "PERSONAL",
    "DEBTCONSOLIDATION",
    "HOMEIMPROVEMENT",
)


def loan_percent_income(loan_amnt: np.ndarray | float, person_income: np.ndarray | float) -> np.ndarray:
    """Derived at request time by the transformer and here, the one definition of it."""
    income = np.maximum(np.asarray(person_income, dtype="float64"), 1.0)  # NaN stays NaN
    return np.round(np.asarray(loan_amnt, dtype="float64") / income, 2)


@dataclass(frozen=True)
class CreditRiskData:
    profiles: pd.DataFrame  # user_id, event_timestamp, created_timestamp, PROFILE_FEATURES
    applications: pd.DataFrame  # user_id, event_timestamp, application_id, request fields, label

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "profiles": folder / "user_profiles.parquet",
            "applications": folder / "loan_applications.parquet",
        }
        self.profiles.to_parquet(paths["profiles"], index=False)
        self.applications.to_parquet(paths["applications"], index=False)
        return paths


def user_id(i: int) -> str:
    return f"U{i:06d}"


def generate(n_users: int = 5000, seed: int = 7, end: datetime | None = None) -> CreditRiskData:
    """Deterministic for a given (n_users, seed, end)."""
    rng = np.random.default_rng(seed)
    end = end or datetime(2026, 11, 1, tzinfo=UTC)
    start = end - timedelta(days=365)

    age = np.clip(rng.gamma(9.0, 3.4, n_users) + 18, 21, 70).round()
    income = np.clip(rng.lognormal(np.log(600_000), 0.55, n_users), 180_000, 6_000_000).round(-3)
    home = rng.choice(HOME_OWNERSHIP, n_users, p=(0.50, 0.20, 0.27, 0.03))
    emp = np.minimum(rng.gamma(2.0, 2.6, n_users), age - 20).round()
    emp_missing = rng.random(n_users) < 0.03
    hist = np.clip(np.minimum(rng.gamma(2.0, 3.0, n_users), age - 20), 2, 30).round()
    prior_default = np.where(rng.random(n_users) < 0.18, "Y", "N")

    ids = [user_id(i) for i in range(n_users)]
    t0 = start + pd.to_timedelta(rng.uniform(0, 60, n_users), unit="D")
    first = pd.DataFrame(
        {
            "user_id": ids,
            "event_timestamp": t0,
            "person_age": age,
            "person_income": income,
            "person_home_ownership": home,
            "person_emp_length": np.where(emp_missing, np.nan, emp),
            "cb_person_default_on_file": prior_default,
            "cb_person_cred_hist_length": hist,
        }
    )
    # A second snapshot half a year on: raises, a year more of history.
    t1 = t0 + pd.to_timedelta(rng.uniform(150, 210, n_users), unit="D")
    second = first.copy()
    second["event_timestamp"] = t1
    second["person_income"] = (income * rng.uniform(1.0, 1.15, n_users)).round(-3)
    second["person_emp_length"] = first["person_emp_length"] + 0.5
    second["cb_person_cred_hist_length"] = hist + 1
    profiles = pd.concat([first, second], ignore_index=True)
    profiles["created_timestamp"] = profiles["event_timestamp"]

    # 1-3 applications per user, after their first snapshot.
    per_user = rng.integers(1, 4, n_users)
    owner = np.repeat(np.arange(n_users), per_user)
    n = len(owner)
    app_time = pd.to_datetime(t0[owner]) + pd.to_timedelta(rng.uniform(1, 290, n), unit="D")
    app_time = app_time.where(app_time < end, end - timedelta(hours=1))
    valid = np.where(app_time >= pd.to_datetime(t1[owner]), 1, 0)
    inc_at = np.where(valid == 1, second["person_income"].to_numpy()[owner], income[owner])
    intent = rng.choice(LOAN_INTENTS, n, p=(0.2, 0.18, 0.17, 0.17, 0.16, 0.12))
    amount = np.clip(inc_at * rng.lognormal(np.log(0.15), 0.6, n), 25_000, 2_500_000).round(-3)
    risk_grade = rng.normal(0, 1, n) + (prior_default[owner] == "Y") * 0.9
    rate = np.clip(11.0 + 2.6 * risk_grade + rng.normal(0, 0.8, n), 7.5, 24.0).round(2)
    rate_missing = rng.random(n) < 0.05
    pct = loan_percent_income(amount, inc_at)

    logit = (
        -3.2
        + 14.0 * np.maximum(pct - 0.2, 0)
        + 4.0 * pct
        + 0.55 * (rate - 11)
        + 1.6 * (home[owner] == "RENT")
        - 0.6 * (home[owner] == "MORTGAGE")
        - 0.9 * np.log(inc_at / 600_000)
        - 0.08 * np.nan_to_num(emp[owner], nan=2.0)
        + 0.6 * np.isin(intent, ("MEDICAL", "DEBTCONSOLIDATION"))
        - 0.5 * (intent == "VENTURE")
        + rng.normal(0, 0.3, n)
    )
    # Scaled so that, as in the real data, a good model reaches an AUC near 0.93.
    status = (rng.random(n) < 1 / (1 + np.exp(-(1.8 * logit - 0.9)))).astype("int64")

    applications = pd.DataFrame(
        {
            "application_id": [f"A{i:07d}" for i in range(n)],
            "user_id": [ids[i] for i in owner],
            "event_timestamp": app_time,
            "loan_intent": intent,
            "loan_amnt": amount,
            "loan_int_rate": np.where(rate_missing, np.nan, rate),
            "loan_status": status,
        }
    ).sort_values("event_timestamp", ignore_index=True)
    return CreditRiskData(profiles=profiles, applications=applications)


def assemble_columns(cols: Mapping[str, Sequence[Any]], with_label: bool = False) -> dict[str, list[Any]]:
    """Profile features + request fields -> the model's columns, in schema order.

    The one place the derived column is computed: training calls it through `assemble`
    after the Feast point-in-time join, the serving transformer directly on the online
    read plus the request (no DataFrame on the request path).
    """
    amount = np.asarray(cols["loan_amnt"], dtype="float64")
    income = np.asarray([np.nan if v is None else v for v in cols["person_income"]], dtype="float64")
    derived = {"loan_percent_income": loan_percent_income(amount, income).tolist()}
    names = [n for n in CREDIT_RISK_SCHEMA.names if with_label or n != CREDIT_RISK_SCHEMA.label]
    return {n: list(derived[n]) if n in derived else list(cols[n]) for n in names}


def assemble(joined: pd.DataFrame, with_label: bool = True) -> pd.DataFrame:
    """A joined training frame -> the model's columns (see assemble_columns)."""
    cols = assemble_columns({c: joined[c].to_numpy() for c in joined.columns}, with_label)
    return pd.DataFrame(cols, index=joined.index)
