"""Advice sources -> Vertex AI supervised-tuning JSONL, validated, with a report of what
was dropped and why.

Sources: the project's curated Indian Q&A (`nivesh/data/advice/corpus.jsonl`) and any
JSON list or JSONL file of objects with `question` and `answer` (optional `source`,
`id`), such as `../shared/data/advice/*`. Every example is scrubbed of personal data,
and an answer the output guardrails would change (a promised return, a stock tip) is
dropped rather than taught. Questions are de-duplicated after normalising case and
punctuation, and split into train / validation by a hash of the normalised question,
so a question lands on the same side on every run and never on both.

Vertex counts tokens with Gemini's tokenizer, which is not available offline; the
length check uses 4 characters per token, about Gemini's average on English, against a
limit well under the service's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nivesh.advisor import guardrails
from nivesh.advisor.corpus import QA
from nivesh.advisor.prompt import SYSTEM_INSTRUCTION
from nivesh.errors import SchemaError
from nivesh.pii import scrub

CHARS_PER_TOKEN = 4
ROLES = ("user", "model")


@dataclass
class Limits:
    max_example_tokens: int = 8192  # Gemini tuning allows far more; long answers make poor advice
    min_answer_chars: int = 40
    validation_fraction: float = 0.1
    max_validation_examples: int = 256  # Vertex caps the validation set; a bounded eval is quicker


@dataclass
class Report:
    read: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_examples: dict[str, list[str]] = field(default_factory=dict)
    pii_scrubbed: Counter[str] = field(default_factory=Counter)
    fingerprint: str = ""

    def drop(self, reason: str, qa: QA) -> None:
        self.dropped[reason] += 1
        examples = self.dropped_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(f"{qa.origin}:{qa.id}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dropped"], out["pii_scrubbed"] = dict(self.dropped), dict(self.pii_scrubbed)
        return out


@dataclass
class Built:
    train: list[dict[str, Any]]
    validation: list[dict[str, Any]]
    report: Report

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"train": folder / "train.jsonl", "validation": folder / "validation.jsonl"}
        for split, path in paths.items():
            rows = self.train if split == "train" else self.validation
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        paths["report"] = folder / "report.json"
        paths["report"].write_text(json.dumps(self.report.to_dict(), indent=2, ensure_ascii=False))
        return paths


def normalise(question: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w₹%]+", " ", question.lower())).strip()


def example(question: str, answer: str) -> dict[str, Any]:
    """One Vertex supervised-tuning example: system instruction plus a user / model turn."""
    return {
        "systemInstruction": {"role": "system", "parts": [{"text": SYSTEM_INSTRUCTION}]},
        "contents": [
            {"role": "user", "parts": [{"text": question}]},
            {"role": "model", "parts": [{"text": answer}]},
        ],
    }


def problems(ex: Any, limits: Limits) -> list[str]:
    """Why `ex` is not a valid tuning example (empty when it is)."""
    if not isinstance(ex, dict):
        return ["not an object"]
    out = []
    system = ex.get("systemInstruction")
    if system is not None and not _texts(system):
        out.append("systemInstruction has no text parts")
    contents = ex.get("contents")
    if not isinstance(contents, list) or not contents:
        return [*out, "contents must be a non-empty list"]
    roles = [c.get("role") if isinstance(c, dict) else None for c in contents]
    if any(r not in ROLES for r in roles):
        out.append(f"roles must be user or model, got {roles}")
    elif any(a == b for a, b in itertools.pairwise(roles)) or roles[0] != "user" or roles[-1] != "model":
        out.append(f"roles must alternate user, model, ... and end with model, got {roles}")
    for i, c in enumerate(contents):
        if not _texts(c):
            out.append(f"contents[{i}] has no non-empty text part")
    chars = sum(len(t) for c in [system or {}, *contents] for t in _texts(c))
    tokens = -(-chars // CHARS_PER_TOKEN)
    if tokens > limits.max_example_tokens:
        out.append(f"about {tokens} tokens, over the {limits.max_example_tokens} limit")
    return out


def _texts(content: Any) -> list[str]:
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return []
    return [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"].strip()]


def build(sources: dict[str, list[QA]], limits: Limits | None = None) -> Built:
    """Scrub, guard, validate, de-duplicate and split every source's Q&A."""
    limits = limits or Limits()
    report = Report()
    seen: set[str] = set()
    train: list[dict[str, Any]] = []
    validation: list[dict[str, Any]] = []
    for name, items in sources.items():
        report.read[name] = len(items)
        kept = 0
        for qa in items:
            ex = _example_for(qa, limits, report)
            if ex is None:
                continue
            key = normalise(qa.question)
            if key in seen:
                report.drop("duplicate_question", qa)
                continue
            seen.add(key)
            in_validation = zlib.crc32(key.encode()) % 1000 < limits.validation_fraction * 1000
            (validation if in_validation and len(validation) < limits.max_validation_examples else train).append(ex)
            kept += 1
        report.kept[name] = kept
    if not train:
        raise SchemaError("sources", f"no usable examples (dropped: {dict(report.dropped)})")
    digest = hashlib.sha256()
    for row in train + validation:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
    report.fingerprint = digest.hexdigest()
    report.kept |= {"train": len(train), "validation": len(validation)}
    return Built(train, validation, report)


def _example_for(qa: QA, limits: Limits, report: Report) -> dict[str, Any] | None:
    question, answer = scrub(qa.question.strip()), scrub(qa.answer.strip())
    report.pii_scrubbed.update(question.found + answer.found)
    if not question.text or len(answer.text) < limits.min_answer_chars:
        report.drop("empty_or_short", qa)
        return None
    guarded = guardrails.check_answer(answer.text)
    removed = [r for r in guarded.rules if r.startswith("removed:")]
    if removed:
        report.drop(f"guardrail:{removed[0].split(':', 1)[1]}", qa)
        return None
    unsafe = set(guardrails.check_question(question.text).rules) & set(guardrails.UNANSWERED)
    if unsafe:  # off-topic is not a reason here: the sources were chosen as advice
        report.drop(f"question:{sorted(unsafe)[0]}", qa)
        return None
    ex = example(question.text, guarded.text)  # the disclaimer, where due, is part of what is taught
    bad = problems(ex, limits)
    if bad:
        report.drop("too_long" if "limit" in bad[-1] else "invalid", qa)
        return None
    return ex
