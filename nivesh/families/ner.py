"""Financial NER with spaCy: a trained `ner` component, Indian-format rules, normalized values.

The pipeline is a blank English tokenizer taught Indian formats (Rs./INR glued to
digits, "/" and "-" separated narrations), a statistical NER trained on annotated
text, and an entity ruler after it whose patterns (UPI ids, masked account
numbers, IFSC codes, rupee amounts with lakh/crore) are exact, so they overwrite
what the statistical model guessed for those tokens. Values are normalized in
`normalize`: amounts to rupees, dates to ISO dates (ranges for "last month").
Saved with `nlp.to_disk` (no pickle).
"""

from __future__ import annotations

import calendar
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from nivesh.errors import NiveshError

Span = tuple[int, int, str]

UPI_ID = r"[a-zA-Z0-9._\-]{2,}@[a-zA-Z]{2,}"
MASKED_ACCOUNT = r"(?:[Xx*]{2,}\d{3,6})"
IFSC = r"[A-Za-z]{4}0[A-Za-z0-9]{6}"
NUMBER = r"\d[\d,]*(?:\.\d+)?"
CURRENCY = r"(?:rs\.?|inr|\u20b9|rupees?)"
MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "l": 1e5, "crore": 1e7, "cr": 1e7}
MULTIPLIERS |= {"crores": 1e7, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}


def make_nlp() -> Any:
    """A blank English pipeline whose tokenizer splits Indian amounts and narrations."""
    import spacy
    from spacy.util import compile_infix_regex, compile_prefix_regex

    nlp = spacy.blank("en")
    defaults: Any = nlp.Defaults
    prefixes = [r"[Rr][Ss]\.?(?=\d)", r"[Ii][Nn][Rr](?=\d)", r"\u20b9", *defaults.prefixes]
    infixes = [r"/", r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9\u20b9])", r"(?<=[a-zA-Z])(?=\d[\d,]*k\b)", *defaults.infixes]
    tokenizer: Any = nlp.tokenizer
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


def rule_patterns() -> list[dict[str, Any]]:
    """Exact Indian formats; `id` says which kind of ACCOUNT a match is."""
    amount_tail = [{"LOWER": {"IN": sorted(MULTIPLIERS)}, "OP": "?"}]
    return [
        {"label": "ACCOUNT", "id": "upi_id", "pattern": [{"TEXT": {"REGEX": f"^{UPI_ID}$"}}]},
        {"label": "ACCOUNT", "id": "masked_account", "pattern": [{"TEXT": {"REGEX": f"^{MASKED_ACCOUNT}$"}}]},
        {"label": "ACCOUNT", "id": "ifsc", "pattern": [{"TEXT": {"REGEX": f"^{IFSC}$"}}]},
        {
            "label": "MONEY",
            "id": "amount",
            "pattern": [{"LOWER": {"REGEX": f"^{CURRENCY}$"}}, {"TEXT": {"REGEX": f"^{NUMBER}$"}}, *amount_tail],
        },
        {
            "label": "MONEY",
            "id": "amount",
            "pattern": [
                {"TEXT": {"REGEX": f"^{NUMBER}$"}},
                {"LOWER": {"IN": ["lakh", "lakhs", "lac", "crore", "crores", "cr"]}},
            ],
        },
        {"label": "MONEY", "id": "amount", "pattern": [{"LOWER": {"REGEX": r"^\d+(?:\.\d+)?k$"}}]},
    ]


@dataclass
class NerConfig:
    epochs: int = 20
    dropout: float = 0.2
    batch_size: int = 32
    seed: int = 4


def _examples(nlp: Any, data: Sequence[tuple[str, Sequence[Span]]]) -> list[Any]:
    from spacy.training import Example

    out = []
    for text, spans in data:
        doc = nlp.make_doc(text)
        ents = []
        for s, e, label in spans:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None:
                ents.append((span.start_char, span.end_char, label))
        out.append(Example.from_dict(doc, {"entities": _non_overlapping(ents)}))
    return out


def _non_overlapping(spans: list[Span]) -> list[Span]:
    taken: list[Span] = []
    for s in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if all(s[0] >= t[1] or s[1] <= t[0] for t in taken):
            taken.append(s)
    return taken


def train(
    data: Sequence[tuple[str, Sequence[Span]]],
    config: NerConfig,
    progress: Callable[[str], None] | None = None,
) -> tuple[Any, float]:
    """Train the NER on annotated text; returns the full pipeline (with rules) and seconds."""
    from spacy.util import fix_random_seed, minibatch

    started = time.monotonic()
    fix_random_seed(config.seed)
    nlp = make_nlp()
    ner = nlp.add_pipe("ner")
    labels = sorted({span[2] for _, spans in data for span in spans})
    if not labels:
        raise NiveshError("no annotated entities in the training data")
    for label in labels:
        ner.add_label(label)
    examples = _examples(nlp, data)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(config.seed)  # noqa: S311 - shuffling, not secrets
    for epoch in range(config.epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=config.batch_size):
            nlp.update(batch, drop=config.dropout, sgd=optimizer, losses=losses)
        if progress:
            progress(f"epoch {epoch + 1}/{config.epochs}: ner loss {losses.get('ner', 0.0):.2f}")
    patterns = [r for r in rule_patterns() if r["label"] in labels]  # rules only for labels being learnt
    if patterns:
        ruler = nlp.add_pipe("entity_ruler", after="ner", config={"overwrite_ents": True})
        ruler.add_patterns(patterns)
    return nlp, time.monotonic() - started


def load(folder: Path) -> Any:
    import spacy

    return spacy.load(folder)


def entities(doc: Any, today: date | None = None) -> list[dict[str, Any]]:
    """The response shape: label, character offsets, text and normalized value."""
    out = []
    for ent in doc.ents:
        item: dict[str, Any] = {"label": ent.label_, "start": ent.start_char, "end": ent.end_char, "text": ent.text}
        value = normalize(ent.label_, ent.text, today or date.today())
        if value is not None:
            item["value"] = value
        if ent.label_ == "ACCOUNT":
            item["kind"] = account_kind(ent.text)
        out.append(item)
    return out


def account_kind(text: str) -> str:
    if re.fullmatch(UPI_ID, text):
        return "upi_id"
    if re.fullmatch(IFSC, text):
        return "ifsc"
    if re.fullmatch(MASKED_ACCOUNT, text):
        return "masked_account"
    return "account"


def normalize(label: str, text: str, today: date) -> Any:
    if label == "MONEY":
        return money_in_rupees(text)
    if label == "DATE":
        return iso_date(text, today)
    return None


def money_in_rupees(text: str) -> float | None:
    """'Rs 2.5 lakh' -> 250000.0, '5k' -> 5000.0, 'INR 25,000.00' -> 25000.0; None for
    other currencies ('$ 2 million') or text without a number."""
    lowered = text.lower().replace("\u20b9", " rs ")
    if "$" in lowered or "usd" in lowered or "\u20ac" in lowered:
        return None
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*([a-z]+)?", lowered.replace("rs.", "rs "))
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    rest = lowered[m.end(1) :].split()
    for word in rest or [m.group(2) or ""]:
        value *= MULTIPLIERS.get(word.strip("."), 1.0)
    if m.group(2) and m.group(2) in MULTIPLIERS and not rest:
        value *= MULTIPLIERS[m.group(2)]
    return round(value, 2)


def _month_range(year: int, month: int) -> dict[str, str]:
    last = calendar.monthrange(year, month)[1]
    return {"start": date(year, month, 1).isoformat(), "end": date(year, month, last).isoformat()}


def _shift_month(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def iso_date(text: str, today: date) -> dict[str, str] | None:
    """A single day as {"date"}, a period as {"start", "end"}; None when not understood."""
    t = text.lower().strip()
    if t == "today":
        return {"date": today.isoformat()}
    if t == "yesterday":
        return {"date": (today - timedelta(days=1)).isoformat()}
    if t in ("this month",):
        return _month_range(today.year, today.month)
    if t in ("last month", "previous month", "pichle mahine"):
        return _month_range(*_shift_month(today, -1))
    if t in ("this week", "last week"):
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=t == "last week")
        return {"start": monday.isoformat(), "end": (monday + timedelta(days=6)).isoformat()}
    if t in ("last year", "this year"):
        year = today.year - (t == "last year")
        return {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    m = re.fullmatch(r"(?:past|last) (\d+) months?", t)
    if m:
        y, mo = _shift_month(today, -int(m.group(1)))
        return {"start": date(y, mo, 1).isoformat(), "end": today.isoformat()}
    return _absolute(t, today)


def _absolute(t: str, today: date) -> dict[str, str] | None:
    months = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
    months |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
    m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})", t)
    if m:  # Indian order: day/month/year
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _day(y + 2000 if y < 100 else y, mo, d)
    m = re.fullmatch(r"(\d{1,2})[ -]([a-z]+)(?:[ -,]+(\d{2,4}))?", t)
    if m and m.group(2) in months:
        month, day = months[m.group(2)], int(m.group(1))
        year = int(m.group(3)) if m.group(3) else _latest_year(today, month, day)
        return _day(year + 2000 if year < 100 else year, month, day)
    m = re.fullmatch(r"([a-z]+) (\d{1,2}),? (\d{4})", t)
    if m and m.group(1) in months:
        return _day(int(m.group(3)), months[m.group(1)], int(m.group(2)))
    m = re.fullmatch(r"([a-z]+),? (\d{4})", t)
    if m and m.group(1) in months:
        return _month_range(int(m.group(2)), months[m.group(1)])
    m = re.fullmatch(r"(\d{4})", t)
    if m:
        return {"start": f"{t}-01-01", "end": f"{t}-12-31"}
    return None


def _latest_year(today: date, month: int, day: int) -> int:
    """A date without a year means the latest such date not in the future."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _day(y: int, mo: int, d: int) -> dict[str, str] | None:
    try:
        return {"date": date(y, mo, d).isoformat()}
    except ValueError:
        return None


def span_scores(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]) -> dict[str, dict[str, float]]:
    """Exact-match precision / recall / F1 per label and overall ("ALL")."""
    counts: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = {tuple(x) for x in g}, {tuple(x) for x in p}
        for label in {x[2] for x in gs | ps} | {"ALL"}:
            gl = {x for x in gs if label in ("ALL", x[2])}
            pl = {x for x in ps if label in ("ALL", x[2])}
            c = counts.setdefault(str(label), [0, 0, 0])
            c[0] += len(gl & pl)
            c[1] += len(pl)
            c[2] += len(gl)
    out = {}
    for label, (tp, npred, ngold) in counts.items():
        precision = tp / npred if npred else 0.0
        recall = tp / ngold if ngold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": precision, "recall": recall, "f1": f1, "support": float(ngold)}
    return out


def predict_spans(nlp: Any, texts: Sequence[str], batch_size: int = 64) -> list[list[Span]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=batch_size)]
