import numpy as np
import pytest

from nivesh.data import intents
from nivesh.errors import NiveshError
from nivesh.families import text_classifier as tc
from nivesh.training import intent_classifier as ic
from nivesh.training.intent_classifier import decide


def test_generator_is_balanced_varied_and_reproducible() -> None:
    a, b = intents.generate(550, seed=3), intents.generate(550, seed=3)
    assert a.equals(b)
    assert set(a.label) == set(intents.INTENTS) and a.label.value_counts().max() == 50
    assert a.text.nunique() > 350  # phrasing, amounts, merchants and noise vary
    assert a.text.str.contains("kitna|paise|kharcha|batao").any()  # Hinglish


def test_out_of_scope_when_predicted_or_unsure() -> None:
    labels = ["check_balance", "fraud_report", intents.OUT_OF_SCOPE]
    proba = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8]])
    intent, confidence, oos = decide(labels, proba, threshold=0.5)
    assert intent == ["check_balance", intents.OUT_OF_SCOPE, intents.OUT_OF_SCOPE]
    assert oos.tolist() == [False, True, True] and confidence[0] == pytest.approx(0.9)


def test_temperature_undoes_overconfidence() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 2000)
    logits = rng.normal(0, 1, (2000, 4))
    logits[np.arange(2000), y] += 1.0
    overconfident = logits * 6
    t = tc.fit_temperature(overconfident, y)
    assert t > 3
    before = tc.expected_calibration_error(tc.softmax(overconfident), y)
    after = tc.expected_calibration_error(tc.softmax(overconfident, t), y)
    assert after < before / 2


def test_unknown_training_parameter_is_named() -> None:
    with pytest.raises(NiveshError, match="learning_rat"):
        tc.TrainConfig.from_params({"learning_rat": 1e-3})


@pytest.mark.slow
def test_base_model_offline_error_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(NiveshError, match="--base-model packaged"):
        tc.resolve_base_model("no-such-org/no-such-model")
    assert tc.resolve_base_model("packaged").endswith("model")


def test_held_out_frames_are_disjoint_from_training_frames() -> None:
    for intent in intents.INTENTS:
        seen, unseen = set(intents.frames(intent)), set(intents.frames(intent, unseen=True))
        assert unseen and seen and not seen & unseen
        assert len(seen) + len(unseen) >= 40  # many phrasings per intent, English and Hinglish


class _Oracle:
    """Confident and right on in-scope queries, unsure on out-of-scope ones: the threshold
    that separates them is the calibration's answer."""

    def __init__(self) -> None:
        held = intents.generate(ic.CALIBRATION_ROWS, seed=ic.CALIBRATION_SEED, unseen=True)
        self.truth = dict(zip(held.text, held.label, strict=False))
        self.labels = list(intents.INTENTS)

    def logits(self, texts: list[str]) -> np.ndarray:
        return np.log(self._proba(texts))

    def _proba(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), len(self.labels)), 0.02)
        for row, text in enumerate(texts):
            label = self.truth[text]
            if label == intents.OUT_OF_SCOPE:
                out[row, 0] = 0.42  # a wrong in-scope guess with low confidence
            else:
                out[row, self.labels.index(label)] = 0.9
        return out / out.sum(axis=1, keepdims=True)


def test_out_of_scope_threshold_is_calibrated_on_held_out_frames() -> None:
    oracle = _Oracle()
    temperature, threshold = ic.calibrate(oracle)  # type: ignore[arg-type]
    held = intents.generate(ic.CALIBRATION_ROWS, seed=ic.CALIBRATION_SEED, unseen=True)
    proba = tc.softmax(oracle.logits(held.text.tolist()), temperature)
    predicted, _, _ = decide(oracle.labels, proba, threshold)
    assert predicted == held.label.tolist()  # unsure out-of-scope guesses fall under the threshold
    assert threshold > 0 and temperature > 0
