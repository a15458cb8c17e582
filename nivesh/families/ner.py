"""Financial NER with spaCy: a statistical `ner` component, then a rule stage, then normalized values.

The pipeline is a blank English tokenizer taught Indian formats (Rs./INR glued to
digits, "/", "-", "*" separated narrations), a statistical NER trained on generated
and hand-written text, and `RuleStage` after it: exact grammars
(nivesh.families.ner_grammar) own MONEY, DATE and ACCOUNT, the merchant gazetteer
and the category vocabulary (nivesh.families.ner_lexicon) own the names they
know, and the statistical model adds only merchants the lists lack, judged from
context. Values are normalized in `normalize`: amounts to rupees, dates to ISO
days or periods relative to a given today (nivesh.families.ner_dates). Saved
with `nlp.to_disk` (JSON lists beside spaCy's files; no pickle).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nivesh.errors import NiveshError
from nivesh.families import ner_dates
from nivesh.families import ner_grammar as grammar
from nivesh.families import ner_lexicon as lexicon
from nivesh.families.ner_rules import RULES_PIPE, RuleStage, register, resolve

__all__ = ["RULES_PIPE", "RuleStage", "register", "resolve"]
Span = tuple[int, int, str]
MULTIPLIERS = grammar.MULTIPLIER_WORDS


def make_nlp() -> Any:
    """A blank English pipeline whose tokenizer splits Indian amounts and narrations."""
    import spacy
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = spacy.blank("en")
    defaults: Any = nlp.Defaults
    prefixes = [r"[Rr][Ss]\.?(?=\d)", r"[Ii][Nn][Rr](?=\d)", r"\u20b9", *defaults.prefixes]
    infixes = [
        r"/",
        r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9\u20b9])",
        r"(?<=[A-Za-z0-9])\*(?=[A-Za-z0-9])",
        r"(?<=[A-Za-z]):(?=\d)",
        r"(?<=[a-zA-Z])(?=\d[\d,]*k\b)",
        *defaults.infixes,
    ]
    suffixes = [r"(?<=[A-Za-z0-9])-+", *defaults.suffixes]
    tokenizer: Any = nlp.tokenizer
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


@dataclass
class NerConfig:
    epochs: int = 15
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
    register()
    stage = nlp.add_pipe(RULES_PIPE, after="ner")
    stage.common = lexicon.common_words()
    return nlp, time.monotonic() - started


def load(folder: Path) -> Any:
    import spacy

    register()
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
    if re.fullmatch(grammar.UPI_ID, text):
        return "upi_id"
    if re.fullmatch(grammar.IFSC, text):
        return "ifsc"
    if re.search(r"[Xx*\u2022]", text):
        return "masked_account"
    return "account"


def normalize(label: str, text: str, today: date) -> Any:
    if label == "MONEY":
        return money_in_rupees(text)
    if label == "DATE":
        return ner_dates.iso_date(text, today)
    return None


def money_in_rupees(text: str) -> float | None:
    """'Rs 2.5 lakh' -> 250000.0, '5k' -> 5000.0, 'saadhe teen hazaar' -> 3500.0,
    'INR 1,25,000.00' -> 125000.0; None for other currencies or no number."""
    lowered = text.lower().replace("\u20b9", " rs ")
    if re.search(r"\$|usd|eur|\u20ac|\u00a3|gbp", lowered):
        return None
    lowered = re.sub(r"\brs\.?:?", " ", lowered)
    words = re.findall(r"\d[\d,]*(?:\.\d+)?|[a-z]+", lowered)
    value: float | None = None
    half = False
    for word in words:
        if word[0].isdigit():
            value = float(word.replace(",", ""))
        elif word in grammar.HALF_WORDS:
            half = True
        elif word in grammar.HINDI_NUMBERS and value is None:
            value = float(grammar.HINDI_NUMBERS[word])
        elif word in MULTIPLIERS and value is not None:
            value = (value + 0.5 * half) * MULTIPLIERS[word]
            half = False
    return None if value is None else round(value, 2)


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
