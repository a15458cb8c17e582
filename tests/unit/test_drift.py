import numpy as np
import pandas as pd
import pytest

from nivesh.monitoring.drift import MonitorView, compute

VIEW = MonitorView(["loan_amnt", "person_income"], ["loan_intent"])


def _frame(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "loan_amnt": rng.lognormal(11 + shift, 0.5, n),
            "person_income": rng.lognormal(13.3, 0.5, n),
            "loan_intent": rng.choice(["MEDICAL", "VENTURE"], n, p=[0.5 + shift / 4, 0.5 - shift / 4]),
        }
    )


def test_shifted_inputs_drift_and_unshifted_do_not(tmp_path) -> None:
    reference = _frame(2000, 0.0, 1)
    same = compute("credit-risk", "v1.0.0", VIEW, reference, _frame(800, 0.0, 2), 0.3, None)
    assert same.drift_share == 0 and not same.alert and same.rows_compared == 800
    shifted = compute("credit-risk", "v1.0.0", VIEW, reference, _frame(800, 1.0, 3), 0.3, tmp_path / "r.html")
    assert shifted.columns["loan_amnt"].drifted and shifted.columns["loan_intent"].drifted
    assert not shifted.columns["person_income"].drifted
    assert shifted.drift_share > 0.5 and shifted.alert
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_empty_window_reports_nothing() -> None:
    reference = _frame(100, 0.0, 1)
    result = compute(
        "credit-risk",
        "v1",
        VIEW,
        reference,
        reference.iloc[0:0],
        0.3,
        None,
    )
    assert result.rows_compared == 0 and result.columns == {} and not result.alert


def test_text_view_compares_descriptors_and_predicted_label(tmp_path) -> None:
    from nivesh.monitoring.text import SHAPE, shape

    view = MonitorView(list(SHAPE), ["intent"], text_input="text")
    short = ["check balance", "my SIP", "FD rate at SBI"] * 200
    reference = shape(short, masked=False).assign(intent=["check_balance", "sip", "fd"] * 200)
    long = ["I was charged Rs 45,000 twice by a merchant I never visited, please block card 4111222233334444"] * 300
    current = shape(long).assign(intent=["fraud_report"] * 300)
    result = compute("intent-classifier", "v1", view, reference, current, 0.3, None)
    assert result.alert and result.columns["text_length"].drifted and result.columns["intent"].drifted


@pytest.mark.slow
def test_language_mix_vocabulary_and_meaning_drift_with_the_same_shape(tmp_path) -> None:
    """Texts of about the same length and script: Hinglish shows in hinglish_share and
    oov_share, a new topic in the embedding components, the same traffic in nothing; a
    saved profile loads back the same."""
    from nivesh.monitoring.text import DESCRIPTORS, TextProfile

    english = [
        "what is my account balance today",
        "show my last five card payments",
        "how much did I spend on food",
        "block my debit card right now",
        "when is my credit card bill due",
        "transfer five thousand to my savings",
    ] * 40
    hinglish = [
        "mera balance kitna hai abhi batao",
        "mujhe paise bhejna hai bhai jaldi",
        "kharcha kitna hua is mahine batao",
        "mera card block karo abhi please",
        "bill kab jama karna hai batao na",
        "aap mera khata check karo bhai",
    ] * 40
    cricket = [
        "who won the cricket match yesterday",
        "how many runs did the captain score",
        "when is the next test match at home",
        "which bowler took five wickets today",
        "is the stadium open for the final",
        "what time does the match start now",
    ] * 40
    profile = TextProfile.fit(english)
    saved = TextProfile.load(tmp_path, profile.save(tmp_path))
    assert saved is not None and saved.vocabulary == profile.vocabulary
    reference = profile.describe(english, masked=False)
    view = MonitorView(list(DESCRIPTORS), [], text_input="text")
    mixed = compute("intent-classifier", "v1", view, reference, saved.describe(hinglish), 0.3, None)
    assert mixed.columns["hinglish_share"].drifted and mixed.columns["oov_share"].drifted
    assert saved.describe(hinglish)["hinglish_share"].mean() > 0.3 > reference["hinglish_share"].mean()
    topic = compute("intent-classifier", "v1", view, reference, saved.describe(cricket), 0.3, None)
    assert any(topic.columns[f"emb_{i}"].drifted for i in (1, 2, 3))  # another meaning
    same = compute("intent-classifier", "v1", view, reference, saved.describe(english[::-1]), 0.3, None)
    assert not same.alert and same.drifted_columns == 0


def test_spending_histories_drift_on_a_jump_and_not_on_other_users() -> None:
    """The reference describes training histories (their last six months held out); other
    users' whole histories do not drift, histories whose last six months jumped do."""
    from nivesh.data import spending as sp
    from nivesh.monitoring import series

    def histories(seed: int, cut: int = 0, jump: float = 0.0) -> list[str]:
        out = []
        for text in sp.generate(300, seed=seed).histories[sp.HISTORY]:
            months, values = sp.parse_history(text)
            months, values = (months[:-cut], values[:-cut]) if cut else (months, values)
            values[-6:] *= 1 + jump
            out.append(sp.history_json(months, values))
        return out

    view = MonitorView(list(series.DESCRIPTORS), [], series_input=sp.HISTORY)
    reference = series.describe(histories(1, cut=6))
    same = compute("spending-predictor", "v1", view, reference, series.describe(histories(2)[:40]), 0.3, None)
    assert not same.alert, same.columns
    jumped = compute(
        "spending-predictor", "v1", view, reference, series.describe(histories(3, jump=1.5)[:40]), 0.3, None
    )
    assert jumped.alert and jumped.columns["recent_mean"].drifted and jumped.columns["yoy_growth"].drifted
    assert series.describe(["not json", None]).isna().all().all()  # an unreadable row is empty, not an error


def test_a_small_window_against_a_large_reference_does_not_alert_on_unchanged_traffic(monkeypatch) -> None:
    """Evidently picks distances for a 5,000-row reference; on 40 logged rows those are
    mostly sampling noise and alert on unchanged traffic. The p-value tests used while a side
    is small stay quiet on the same windows, and still find a real shift."""
    from nivesh.monitoring import drift
    from nivesh.monitoring.drift import SMALL_SAMPLE_TESTS, stat_tests

    assert stat_tests(5000, 40) == SMALL_SAMPLE_TESTS and stat_tests(5000, 5000) == {}
    reference = _frame(5000, 0.0, 1)
    windows = [_frame(40, 0.0, seed) for seed in (2, 3, 4, 5)]
    ours = [compute("credit-risk", "v1", VIEW, reference, w, 0.3, None) for w in windows]
    assert not any(r.alert for r in ours), [r.drift_share for r in ours]
    shifted = compute("credit-risk", "v1", VIEW, reference, _frame(40, 1.0, 6), 0.3, None)
    assert shifted.alert and shifted.columns["loan_amnt"].method == "ks"
    monkeypatch.setattr(drift, "stat_tests", lambda reference_rows, current_rows: {})  # Evidently's own choice
    theirs = [compute("credit-risk", "v1", VIEW, reference, w, 0.3, None) for w in windows]
    assert all(r.alert for r in theirs), [r.drift_share for r in theirs]
