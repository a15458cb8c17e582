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

import json
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

Span = tuple[int, int, str]

MULTIPLIERS = grammar.MULTIPLIER_WORDS
RULES_PIPE = "nivesh_rules"
LABEL_PRIORITY = {"ACCOUNT": 5, "MONEY": 4, "DATE": 3, "MERCHANT": 2, "CATEGORY": 1}
# Upper-case words banks print after a merchant's name; a gazetteer hit extends over them.
CORP_SUFFIXES = frozenset(
    """ltd limited pvt private india in services service solutions technologies tech retail stores store sports
    cinemas internet pizza coffee marketplace enterprises co corp corporation finance insurance general life
    broking securities digital fresh supermarket mart hospitals pharmacy seller development centre center
    avenue supermarts escrow systems payments networks foods""".split()
)


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


class RuleStage:
    """The pipe after the statistical NER: exact grammars (amounts, dates, accounts) and
    the merchant and category word lists win where they match; the model's entities
    stay where no rule matched (unseen merchants, amounts only context marks)."""

    def __init__(self, nlp: Any, name: str = RULES_PIPE) -> None:
        self.nlp = nlp
        self.name = name
        self.merchants: list[str] = []
        self.common: frozenset[str] = frozenset()
        self._index: dict[tuple[str, ...], str] = {}
        self._longest = 1
        self.set_merchants(lexicon.rule_gazetteer())

    def set_merchants(self, names: Sequence[str]) -> None:
        self.merchants = sorted(names)
        index: dict[tuple[str, ...], str] = {}
        for term in lexicon.CATEGORY_TERMS:
            index[self._key(term)] = "CATEGORY"
        for name in self.merchants:
            index[self._key(name)] = "MERCHANT"  # a brand named like a category is a merchant
        self._index = index
        self._longest = max((len(k) for k in index), default=1)

    def _key(self, text: str) -> tuple[str, ...]:
        return tuple(t.lower_ for t in self.nlp.make_doc(lexicon.normalize(text)))

    def word_spans(self, doc: Any) -> list[Span]:
        """Longest gazetteer and category-term matches, as character spans."""
        out: list[Span] = []
        i = 0
        while i < len(doc):
            for n in range(min(self._longest, len(doc) - i), 0, -1):
                label = self._index.get(tuple(t.lower_ for t in doc[i : i + n]))
                if label is None:
                    continue
                end = i + n
                nxt = doc[end].lower_ if end < len(doc) else ""
                if label == "MERCHANT" and i == 0 and nxt == ":":
                    break  # "PhonePe: Paid ... to X": the app sending the alert, not the payee
                if (label == "MERCHANT" and nxt == "bank") or (
                    label == "CATEGORY" and nxt == "-" and not doc[end - 1].whitespace_
                ):
                    break  # "Kotak Mahindra Bank" is the alerting bank; "Auto-debit" is no category
                if label == "MERCHANT":
                    while end < len(doc) and doc[end].lower_ in CORP_SUFFIXES and doc[end].is_upper:
                        end += 1
                out.append((doc[i].idx, doc[end - 1].idx + len(doc[end - 1]), label))
                i = end - 1
                break
            i += 1
        return out

    def __call__(self, doc: Any) -> Any:
        ruled = resolve(grammar.find(doc.text) + self.word_spans(doc))
        spans = []
        for s, e, label in ruled:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        model = [ent for ent in doc.ents if self.model_merchant(ent)]
        for ent in model:  # "Uber Moto" from the model beats "Uber" from the gazetteer
            inside = [sp for sp in spans if sp.start < ent.end and ent.start < sp.end]
            if (
                len(inside) == 1
                and inside[0].label_ == "MERCHANT"
                and ent.start <= inside[0].start
                and inside[0].end <= ent.end
                and len(ent) > len(inside[0])
                and all(t.is_title or t.is_upper or t.like_num for t in ent)
            ):
                spans.remove(inside[0])
        taken = {i for span in spans for i in range(span.start, span.end)}
        spans += [ent for ent in model if not taken.intersection(range(ent.start, ent.end))]
        from spacy.util import filter_spans

        doc.ents = filter_spans(spans)
        return doc

    def model_merchant(self, ent: Any) -> bool:
        """Whether to keep an entity only the statistical model found. Rules are exact for
        amounts, dates, accounts and categories, so the model adds merchants only: names
        the gazetteer lacks, judged from context. Everyday words, people and places are not."""
        if ent.label_ != "MERCHANT" or not any(t.is_alpha for t in ent):
            return False
        words = [t.lower_ for t in ent if t.is_alpha]
        if ent.end < len(ent.doc) and ent.doc[ent.end].lower_ == "bank":
            return False
        if words[0] in _PEOPLE or any(t.like_num and (len(t) > 3 or "," in t.text) for t in ent):
            return False
        cased = any(t.is_title or t.is_upper for t in ent if t.is_alpha)
        if len(words) == 1 or not cased:
            return not all(w in self.common for w in words)
        return True

    def to_disk(self, path: Path, exclude: Sequence[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "merchants.json").write_text(json.dumps(self.merchants, ensure_ascii=False), encoding="utf-8")
        (path / "common.json").write_text(json.dumps(sorted(self.common)), encoding="utf-8")

    def from_disk(self, path: Path, exclude: Sequence[str] = ()) -> RuleStage:
        self.set_merchants(json.loads((Path(path) / "merchants.json").read_text(encoding="utf-8")))
        self.common = frozenset(json.loads((Path(path) / "common.json").read_text(encoding="utf-8")))
        return self


_PEOPLE = frozenset(lexicon.FIRST_NAMES)


def resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans: longer first, then the label that rules are surest of."""
    taken: list[Span] = []
    for s in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), -LABEL_PRIORITY.get(x[2], 0), x[0])):
        if all(s[0] >= t[1] or s[1] <= t[0] for t in taken):
            taken.append(s)
    return sorted(taken)


def _register() -> None:
    from spacy.language import Language

    if not Language.has_factory(RULES_PIPE):
        Language.factory(RULES_PIPE, func=lambda nlp, name: RuleStage(nlp, name))


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
    _register()
    stage = nlp.add_pipe(RULES_PIPE, after="ner")
    stage.common = lexicon.common_words()
    return nlp, time.monotonic() - started


def load(folder: Path) -> Any:
    import spacy

    _register()
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


def iso_date(text: str, today: date) -> dict[str, str] | None:
    return ner_dates.iso_date(text, today)


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
        elif word in ("saadhe", "sadhe", "saade"):
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
