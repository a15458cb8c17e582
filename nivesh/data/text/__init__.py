"""Hand-written text for the NER and intent models: their gate, never their training data.

The NER files mark entities inline, `[Rs 500](MONEY|500)`, so a person can write and
review them; `[text](O)` marks something an annotator decided is not an entity (it
stays plain text). A value after `|` is the normalized value the model must give:
rupees for MONEY, an ISO date or `START..END` period for DATE, relative to the
file's `# today:` line. GUIDELINE.md says what a span covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nivesh.data.ner import LABELS

FOLDER = Path(__file__).parent
NER_KINDS = ("chat", "hinglish", "sms", "narration")
MARK = re.compile(r"\[([^\[\]]+)\]\(([A-Z]+)(?:\|([^)]*))?\)")


@dataclass(frozen=True)
class NerText:
    text: str
    spans: list[tuple[int, int, str]]
    kind: str
    values: dict[tuple[int, int], str] = field(default_factory=dict)  # (start, end) -> annotated value


def parse_marked(line: str, kind: str = "") -> NerText:
    """One marked-up line -> text, spans and annotated values; unknown labels are an error."""
    text, spans, values, last = "", [], {}, 0
    for m in MARK.finditer(line):
        text += line[last : m.start()]
        start, label = len(text), m.group(2)
        text += m.group(1)
        last = m.end()
        if label == "O":
            continue
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in {line!r}")
        spans.append((start, len(text), label))
        if m.group(3):
            values[(start, len(text))] = m.group(3)
    text += line[last:]
    if "[" in text and "](" in text:
        raise ValueError(f"unbalanced markup in {line!r}")
    return NerText(text, spans, kind, values)


def _today(lines: list[str]) -> date:
    for line in lines:
        if line.startswith("# today:"):
            return date.fromisoformat(line.split(":", 1)[1].strip())
    raise ValueError("a hand-written NER file needs a '# today: YYYY-MM-DD' line")


def ner_texts(kinds: tuple[str, ...] = NER_KINDS, folder: Path = FOLDER) -> tuple[list[NerText], date]:
    """Every hand-written NER text of the given kinds, and the date their values assume."""
    out: list[NerText] = []
    today = None
    for kind in kinds:
        lines = (folder / f"ner_handwritten_{kind}.txt").read_text(encoding="utf-8").splitlines()
        today = _today(lines)
        out += [parse_marked(line, kind) for line in lines if line.strip() and not line.startswith("#")]
    assert today is not None
    return out, today


def ner_training_texts(folder: Path = FOLDER) -> list[NerText]:
    """Hand-written NER examples that training adds to the generated rows (not the gate)."""
    lines = (folder / "ner_training.txt").read_text(encoding="utf-8").splitlines()
    return [parse_marked(line, "training") for line in lines if line.strip() and not line.startswith("#")]


def intent_queries(folder: Path = FOLDER) -> list[tuple[str, str]]:
    """(text, intent) pairs from intent_handwritten.tsv."""
    rows = []
    for line in (folder / "intent_handwritten.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            intent, text = line.split("\t", 1)
            rows.append((text.strip(), intent.strip()))
    return rows
