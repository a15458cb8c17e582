"""The input guard's classifier: is a question ordinary (`ok`), an unsafe request, an
injection, or not about money? Keyword rules (`rules.py`) stay as the floor; this catches
what they cannot list: paraphrases ("set aside what you were told"), Hinglish and Hindi
wordings, misspellings.

Features: the advisor's own sentence encoder (MiniLM: meaning, for English paraphrase)
beside hashed character 2-5-grams of the `textnorm.squashed` text (spelling: Hinglish,
Devanagari, look-alikes, leetspeak), into a multinomial logistic regression trained on the
labelled examples in `nivesh/data/advice/guard_train.jsonl` (English, Hinglish, Hindi; none
of them in the adversarial or benign suites, which measure it). Saved as arrays (`.npz`,
loaded without pickle) in the advisor's artifact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from nivesh import textnorm

LABELS = ("ok", "unsafe", "injection", "off_topic")
TRAIN_FILE = "guard_train.jsonl"
MODEL_FILE = "guard.npz"
N_FEATURES = 2**15
CHAR_WEIGHT = 1.0  # the n-gram block's norm beside the unit-length embedding
# Decision thresholds on the class probability. Set above one half, not tuned on the suites
# (they measure it: benchmarks/RESULTS.md): a wrong refusal costs the user, the rules are the floor.
THRESHOLDS = {"unsafe": 0.7, "injection": 0.7}


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


def examples(path: Path | None = None) -> list[tuple[str, str]]:
    """(text, label) pairs: the packaged training set, or `path`."""
    raw = path.read_text("utf-8") if path else resources.files("nivesh.data.advice").joinpath(TRAIN_FILE).read_text()
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    bad = sorted({r["label"] for r in rows} - set(LABELS))
    if bad:
        raise ValueError(f"{TRAIN_FILE}: unknown labels {bad}; expected one of {LABELS}")
    return [(r["text"], r["label"]) for r in rows]


def _ngrams(texts: Sequence[str]) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), n_features=N_FEATURES, alternate_sign=False, norm="l2"
    )
    return vec.transform([textnorm.squashed(t) for t in texts]) * CHAR_WEIGHT


@dataclass
class GuardModel:
    encoder: Encoder
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    classes: tuple[str, ...]

    def features(self, texts: Sequence[str], batch: bool = False) -> Any:
        """Serving embeds through the encoder's per-text cache, which retrieval then hits for
        the same question; training embeds its examples in batches."""
        from scipy.sparse import csr_matrix, hstack

        cleaned = [textnorm.clean(t) for t in texts]
        dense = self.encoder.encode(cleaned) if batch else np.stack([self.encoder.query(t) for t in cleaned])
        return hstack([_ngrams(texts), csr_matrix(dense)]).tocsr()

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        logits = self.features(texts) @ self.coef.T + self.intercept
        logits = np.asarray(logits) - np.asarray(logits).max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in p]

    @classmethod
    def train(cls, encoder: Encoder, data: Sequence[tuple[str, str]] | None = None, c: float = 4.0) -> GuardModel:
        from sklearn.linear_model import LogisticRegression

        data = list(data or examples())
        texts, labels = [t for t, _ in data], [label for _, label in data]
        untrained = cls(encoder, np.zeros((0, 0)), np.zeros(0), LABELS)
        lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        lr.fit(untrained.features(texts, batch=True), labels)
        return cls(encoder, lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32), tuple(lr.classes_))

    def save(self, folder: Path) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / MODEL_FILE, coef=self.coef, intercept=self.intercept, classes=np.array(self.classes))
        return {"guard_file": MODEL_FILE, "guard_classes": list(self.classes)}

    @classmethod
    def load(cls, folder: Path, encoder: Encoder) -> GuardModel:
        with np.load(folder / MODEL_FILE, allow_pickle=False) as z:
            return cls(encoder, z["coef"], z["intercept"], tuple(str(c) for c in z["classes"]))
