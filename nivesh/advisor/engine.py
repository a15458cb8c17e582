"""One answer: guard the question, retrieve, generate (tuned Gemini) or extract (offline),
guard the answer. The predictor is a thin v2 / v1 wrapper around `Advisor.answer`.

Offline (no Google Cloud project configured) the answer is extractive: the sentences
of the best passage closest to the question, in their own order, cited as [1]. It is
marked `mode: extractive` so a client never mistakes it for a generated answer, and
it passes the same output guard as Gemini's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from nivesh.advisor import context as user_context
from nivesh.advisor import guardrails
from nivesh.advisor.guard_model import GuardModel
from nivesh.advisor.retrieval import Encoder, Hit, Index, Passage
from nivesh.pii import scrub


class Generator(Protocol):
    """A model that writes the answer from the question, numbered passages and user context."""

    name: str

    def generate(self, question: str, passages: list[Passage], context: Mapping[str, Any]) -> str: ...


@dataclass
class Source:
    ref: int
    id: str
    title: str
    source: str
    origin: str
    score: float


@dataclass
class Answer:
    answer: str
    mode: str
    sources: list[Source] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.mode == "refused"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "refused": self.refused}


@dataclass
class AdvisorConfig:
    top_k: int = 5  # passages retrieved and shown as sources
    use_passages: int = 3  # passages given to the model (or read by the extractor)
    # Best cosine similarity to the corpus above which a question is in scope (beside the
    # finance vocabulary). Measured with the packaged MiniLM: off-topic questions (cricket,
    # weather, recipes, train tickets) 0.06-0.23; the corpus's held-out paraphrases that
    # lack a finance keyword 0.25-0.32 ("form 15G" 0.32, "50 30 20 rule" 0.25).
    relevance: float = 0.3
    extract_sentences: int = 3


class Advisor:
    def __init__(
        self,
        index: Index,
        generator: Generator | None = None,
        config: AdvisorConfig | None = None,
        guard_model: GuardModel | None = None,
    ) -> None:
        self.index = index
        self.generator = generator
        self.config = config or AdvisorConfig()
        self.guard = guardrails.Guard(guard_model, self.in_scope)
        self._sentences: dict[str, tuple[list[str], np.ndarray]] = {}  # passage id -> its sentences, embedded
        self._cleaned: dict[str, Passage] = {}  # passage id -> the passage as the model may read it

    def in_scope(self, question: str) -> bool:
        return float(self.index.similarity(question).max(initial=0.0)) >= self.config.relevance

    def answer(self, question: str, context: Mapping[str, Any] | None = None) -> Answer:
        verdict = self.guard.check_question(question)
        if verdict.refusal is not None:
            return Answer(verdict.refusal, "refused", rules=verdict.rules)
        hits = self.index.search(verdict.question, self.config.top_k)
        used = [self.cleaned(h.passage) for h in hits[: self.config.use_passages]]
        if self.generator is not None:
            text, mode = self.generator.generate(verdict.question, used, context or {}), "gemini"
        else:
            about = user_context.describe(context or {})
            text, mode = " ".join(filter(None, [self.extract(verdict.question, used[0]), about])), "extractive"
        checked = guardrails.check_answer(text)
        return Answer(checked.text, mode, _sources(hits), verdict.rules + checked.rules)

    def cleaned(self, p: Passage) -> Passage:
        """Retrieved text is data, not instructions: without any sentence addressed to the
        assistant, or personal data a source carried in. Once per indexed passage."""
        if p.id not in self._cleaned:
            text = scrub(guardrails.strip_instructions(p.text)[0]).text
            self._cleaned[p.id] = Passage(p.id, scrub(p.question).text, text, p.source, p.origin)
        return self._cleaned[p.id]

    def extract(self, question: str, passage: Passage) -> str:
        """The passage's sentences most similar to the question, in the passage's order."""
        n = self.config.extract_sentences
        if passage.id not in self._sentences:  # at most one entry per indexed passage
            parts = guardrails.sentences(passage.text)
            self._sentences[passage.id] = (parts, self.index.encoder.encode(parts) if len(parts) > n else np.zeros(0))
        sentences, vectors = self._sentences[passage.id]
        if len(sentences) > n:
            sims = vectors @ self.index.encoder.query(question)
            keep = sorted(np.argsort(-sims, kind="stable")[:n].tolist())
            sentences = [sentences[i] for i in keep]
        return " ".join(sentences) + " [1]"


def load_advisor(artifact: Path, extra: Mapping[str, Any], generator: Generator | None = None) -> Advisor:
    """The advisor an artifact holds: its index and, when trained with one, its guard classifier."""
    encoder = Encoder(extra["encoder"])
    index = Index.load(artifact / extra["index_dir"], encoder)
    guard = GuardModel.load(artifact / extra["guard_dir"], encoder) if "guard_dir" in extra else None
    return Advisor(index, generator, guard_model=guard)


def _sources(hits: list[Hit]) -> list[Source]:
    return [
        Source(i + 1, h.passage.id, h.passage.question, h.passage.source, h.passage.origin, round(h.similarity, 4))
        for i, h in enumerate(hits)
    ]
