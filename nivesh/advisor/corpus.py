"""The advisor's knowledge: the project's curated Indian Q&A and any JSON / JSONL file of
{question, answer[, source, id]} objects, read into one `QA` shape.

Retrieval indexes it, the tuning-dataset builder turns it into examples and the
benchmarks and demo traffic ask its paraphrases; none of them reads the files itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from nivesh.errors import SchemaError

CORPUS = "corpus.jsonl"


@dataclass(frozen=True)
class QA:
    id: str
    question: str
    answer: str
    source: str
    origin: str  # the file it came from
    topic: str = ""


def corpus() -> list[QA]:
    """The project's curated Indian Q&A (with `also_asked` paraphrases, see `corpus_records`)."""
    return [_qa(r, i, CORPUS) for i, r in enumerate(corpus_records())]


def corpus_records() -> list[dict[str, Any]]:
    text = resources.files("nivesh.data.advice").joinpath(CORPUS).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_source(path: Path) -> list[QA]:
    """A JSON list or JSONL file of {question, answer[, source, id]} objects."""
    if not path.is_file():
        raise SchemaError(str(path), "no such file; pass a JSON or JSONL file of {question, answer} objects")
    text = path.read_text(encoding="utf-8")
    try:
        records = json.loads(text) if text.lstrip().startswith("[") else _jsonl(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(str(path), f"not JSON / JSONL (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(records, list):
        raise SchemaError(str(path), "expected a JSON list or one object per line")
    return [_qa(r, i, path.name) for i, r in enumerate(records)]


def _jsonl(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _qa(record: Any, index: int, origin: str) -> QA:
    if not isinstance(record, dict) or not {"question", "answer"} <= set(record):
        raise SchemaError(f"{origin}: record {index + 1}", "needs string fields 'question' and 'answer'")
    q, a = record["question"], record["answer"]
    if not isinstance(q, str) or not isinstance(a, str):
        raise SchemaError(f"{origin}: record {index + 1}", "'question' and 'answer' must be strings")
    ident = str(record.get("id") or record.get("qid") or index + 1)
    return QA(ident, q, a, str(record.get("source") or origin), origin, str(record.get("topic") or ""))
