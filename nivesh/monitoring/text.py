"""Numeric descriptors of free text, so text inputs drift-check like tabular ones.

Computed the same way on the training reference and on logged (masked) requests:
the reference is masked with the prediction log's own masking first, so masking
itself does not look like drift. Beside shape (length, digits, script, case):
- `oov_share`: share of words outside the training vocabulary (words seen twice or
  more), which rises when users start asking about things the model never saw;
- `hinglish_share`: share of common romanised-Hindi words, the language mix of Indian
  users (Devanagari shows in `non_ascii_share`);
- `emb_1..3`: the text's sentence embedding (the packaged MiniLM) projected on the
  training texts' first principal components: a shift in meaning with the same shape.
The vocabulary and projection are fitted once at training (a `TextProfile` in the
artifact), never per monitor run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.store.predictions import mask_text

SHAPE = ("text_length", "word_count", "digit_share", "non_ascii_share", "upper_share")
EMBEDDING_DIMS = 3
DESCRIPTORS = (*SHAPE, "oov_share", "hinglish_share", *(f"emb_{i + 1}" for i in range(EMBEDDING_DIMS)))
VOCAB_FILE, PROJECTION_FILE = "monitor_vocabulary.json", "monitor_projection.npz"
MIN_WORD_COUNT = 2
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Unambiguous romanised Hindi (no "do", "me", "to", "hi": English words too).
HINGLISH = frozenset(
    "hai hain kya kitna kitne kitni mera meri mere mujhe humko nahi nahin karo karna karein kaise kab kyun kyon "
    "batao bataiye chahiye wala wali wale abhi aur bhai paisa paise rupaye kharcha khata bhejo bhejna jama "
    "kahan yeh woh aap apna apni tha thi kal aaj".split()
)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def shape(texts: Sequence[str | None], masked: bool = True) -> pd.DataFrame:
    """The shape descriptors only (no vocabulary or encoder needed)."""
    return _shape([(t or "") if masked else mask_text(t or "") for t in texts])


def _shape(texts: list[str]) -> pd.DataFrame:
    rows = []
    for text in texts:
        n = max(len(text), 1)
        rows.append(
            (
                len(text),
                len(text.split()),
                sum(c.isdigit() for c in text) / n,
                sum(ord(c) > 127 for c in text) / n,
                sum(c.isupper() for c in text) / n,
            )
        )
    return pd.DataFrame(np.array(rows, dtype=float).reshape(-1, len(SHAPE)), columns=list(SHAPE))


@dataclass
class TextProfile:
    """What the descriptors need from training: its vocabulary and embedding projection."""

    vocabulary: frozenset[str]
    mean: np.ndarray  # (d,)
    components: np.ndarray  # (EMBEDDING_DIMS, d)
    encoder_name: str = "packaged"

    @classmethod
    def fit(cls, texts: Sequence[str], encoder_name: str = "packaged") -> TextProfile:
        masked = [mask_text(t) for t in texts]
        counts = Counter(w for t in masked for w in words(t))
        vectors = _encoder(encoder_name).encode(masked)
        mean = vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
        components = vt[:EMBEDDING_DIMS]
        if len(components) < EMBEDDING_DIMS:  # fewer texts than dimensions: pad with zero axes
            components = np.vstack([components, np.zeros((EMBEDDING_DIMS - len(components), vt.shape[1]))])
        vocab = frozenset(w for w, c in counts.items() if c >= MIN_WORD_COUNT)
        return cls(vocab, mean.astype(np.float32), components.astype(np.float32), encoder_name)

    def describe(self, texts: Sequence[str | None], masked: bool = True) -> pd.DataFrame:
        """Every descriptor, one row per text; `masked` = the texts already went through the log's masking."""
        clean = [(t or "") if masked else mask_text(t or "") for t in texts]
        frame = _shape(clean)
        tokens = [words(t) for t in clean]
        frame["oov_share"] = [sum(w not in self.vocabulary for w in ws) / len(ws) if ws else 0.0 for ws in tokens]
        frame["hinglish_share"] = [sum(w in HINGLISH for w in ws) / len(ws) if ws else 0.0 for ws in tokens]
        projected = (
            (_encoder(self.encoder_name).encode(clean) - self.mean) @ self.components.T
            if clean
            else np.zeros((0, EMBEDDING_DIMS))
        )
        for i in range(EMBEDDING_DIMS):
            frame[f"emb_{i + 1}"] = projected[:, i] if len(projected) else []
        return frame

    def save(self, folder: Path) -> dict[str, Any]:
        """Files in the artifact, and the manifest entries that find them."""
        (folder / VOCAB_FILE).write_text(json.dumps(sorted(self.vocabulary), ensure_ascii=False))
        np.savez(folder / PROJECTION_FILE, mean=self.mean, components=self.components)
        return {"vocabulary_file": VOCAB_FILE, "projection_file": PROJECTION_FILE, "encoder": self.encoder_name}

    @classmethod
    def load(cls, folder: Path, monitor: dict[str, Any]) -> TextProfile | None:
        """None for artifacts trained before profiles existed (the monitor then uses shape only)."""
        if "vocabulary_file" not in monitor:
            return None
        vocab = frozenset(json.loads((folder / monitor["vocabulary_file"]).read_text()))
        arrays = np.load(folder / monitor["projection_file"])
        return cls(vocab, arrays["mean"], arrays["components"], monitor.get("encoder", "packaged"))


def text_reference(
    out: Path, texts: Sequence[str], text_input: str, predicted: dict[str, Sequence[Any]]
) -> dict[str, Any]:
    """A text model's drift reference (descriptors of its training texts plus its predicted
    labels), its TextProfile, and the manifest entries the monitor reads them by."""
    from nivesh.artifact import write_reference

    profile = TextProfile.fit(texts)
    reference = profile.describe(texts, masked=False).assign(**{k: list(v) for k, v in predicted.items()})
    extra = write_reference(out, reference, list(DESCRIPTORS), list(predicted))
    extra["monitor"] |= {"text_input": text_input, **profile.save(out)}
    return extra


_ENCODERS: dict[str, Any] = {}


def _encoder(name: str) -> Any:
    """One sentence encoder per process (loading MiniLM takes a second)."""
    if name not in _ENCODERS:
        from nivesh.advisor.retrieval import Encoder

        _ENCODERS[name] = Encoder(name, threads=2)
    return _ENCODERS[name]
