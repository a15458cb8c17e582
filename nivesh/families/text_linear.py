"""The "linear" head for sequence classification: a frozen sentence encoder's embedding
plus character n-grams, into a multinomial logistic regression.

Why a second head: fine-tuning every encoder weight on generated queries learns the
generator (measured: more template data made real-text accuracy worse), while a
frozen pretrained sentence encoder keeps what it knows about language, and
character 2-5-grams carry Hinglish spelling variants ("kitna"/"kitnaa",
"paise"/"paisa"). Trains in seconds. The encoder is exported to ONNX int8 like the
fine-tuned one (output: the L2-normalised mean-pooled embedding); the TF-IDF
vocabulary, idf and the regression weights are saved as JSON and npz (no pickle).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

VOCAB_FILE = "char_vocab.json"
WEIGHTS_FILE = "linear.npz"
NGRAMS = (2, 5)


@dataclass
class LinearHead:
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # labels x (embedding + n-grams)
    intercept: np.ndarray

    def vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, vocabulary=self.vocabulary)
        vec.idf_ = self.idf
        return vec

    def logits(self, embeddings: np.ndarray, texts: Sequence[str], vectorizer: Any) -> np.ndarray:
        grams = vectorizer.transform([t.lower() for t in texts])
        dim = embeddings.shape[1]
        return embeddings @ self.coef[:, :dim].T + np.asarray(grams @ self.coef[:, dim:].T) + self.intercept

    def save(self, folder: Path) -> None:
        (folder / VOCAB_FILE).write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        np.savez(folder / WEIGHTS_FILE, idf=self.idf, coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(cls, folder: Path) -> LinearHead:
        vocabulary = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
        with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as w:
            return cls(vocabulary, w["idf"], w["coef"], w["intercept"])


def embedder(encoder: Any) -> Any:
    """encoder -> mean of token states -> L2 normalisation: the sentence embedding."""
    import torch

    from nivesh.families.text_classifier import mean_pool

    class Embedder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return torch.nn.functional.normalize(mean_pool(states, attention_mask), dim=-1)

    return Embedder().eval()


def embed(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int, batch: int = 64) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for s in range(0, len(texts), batch):
            enc = tokenizer(list(texts[s : s + batch]), truncation=True, max_length=max_length, padding=True,
                            return_tensors="pt")  # fmt: skip
            out.append(model(enc["input_ids"], enc["attention_mask"]).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    config: Any,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Embed with the frozen encoder, fit TF-IDF on character n-grams and a logistic
    regression on both, then the temperature on the calibration split."""
    import torch
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModel, AutoTokenizer

    from nivesh.families import text_classifier as tc

    started = time.monotonic()
    torch.manual_seed(config.seed)
    base = tc.resolve_base_model(config.base_model or "packaged")
    names = sorted(set(labels))
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index[label] for label in labels])
    texts = [str(t) for t in texts]
    fit_idx, cal_idx = tc._split_calibration(texts, y, config.calibration_fraction, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = embedder(AutoModel.from_pretrained(base))
    embeddings = embed(model, tokenizer, texts, config.max_length)
    if progress:
        progress(f"embedded {len(texts)} texts with the frozen encoder")
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, min_df=2, sublinear_tf=True)
    vec.fit([texts[i].lower() for i in fit_idx])
    features = hstack([csr_matrix(embeddings), vec.transform([t.lower() for t in texts])]).tocsr()
    clf = LogisticRegression(C=config.C, max_iter=3000).fit(features[fit_idx], y[fit_idx])
    head = LinearHead(
        {k: int(v) for k, v in vec.vocabulary_.items()}, vec.idf_, clf.coef_.astype(np.float32), clf.intercept_
    )
    logits = head.logits(embeddings[cal_idx], [texts[i] for i in cal_idx], head.vectorizer())
    temperature = tc.fit_temperature(logits, y[cal_idx])
    seconds = time.monotonic() - started
    history = [{"train_accuracy": float(clf.score(features[fit_idx], y[fit_idx]))}]
    return tc.Trained(model, tokenizer, names, temperature, config, base, seconds, history, linear=head)
