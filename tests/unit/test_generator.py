import pandas as pd

from nivesh.data.credit_risk import (
    CREDIT_RISK_SCHEMA,
    PROFILE_FEATURES,
    assemble,
    generate,
    loan_percent_income,
)
from tests.conftest import END


def test_same_seed_same_data() -> None:
    a, b = generate(300, seed=5, end=END), generate(300, seed=5, end=END)
    pd.testing.assert_frame_equal(a.applications, b.applications)
    pd.testing.assert_frame_equal(a.profiles, b.profiles)
    assert not generate(300, seed=6, end=END).applications.equals(a.applications)


def test_columns_mirror_the_real_schema_after_the_join(small_credit_data) -> None:
    d = small_credit_data
    joined = pd.merge_asof(
        d.applications.sort_values("event_timestamp"),
        d.profiles.sort_values("event_timestamp").drop(columns="created_timestamp"),
        on="event_timestamp",
        by="user_id",
    )
    frame = CREDIT_RISK_SCHEMA.check(assemble(joined))
    assert list(frame.columns) == CREDIT_RISK_SCHEMA.names
    assert set(PROFILE_FEATURES) <= set(d.profiles.columns)


def test_values_are_realistic_rupee_amounts(small_credit_data) -> None:
    p, a = small_credit_data.profiles, small_credit_data.applications
    assert 300_000 < p.person_income.median() < 1_200_000  # Rs 3-12 lakh a year
    assert a.loan_amnt.between(25_000, 2_500_000).all()
    assert p.person_age.between(21, 70).all()
    assert 0.1 < a.loan_status.mean() < 0.35
    assert (p.cb_person_default_on_file.isin(["Y", "N"])).all()
    assert a.event_timestamp.max() <= END


def test_loan_percent_income_is_one_definition() -> None:
    assert loan_percent_income(150_000, 600_000) == 0.25
