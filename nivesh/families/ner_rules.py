"""The financial NER's rule stage: the pipe after the statistical model.

Exact grammars (nivesh.families.ner_grammar) own MONEY, DATE and ACCOUNT; the
merchant gazetteer and the category vocabulary (nivesh.families.ner_lexicon) own
the names they know; the statistical model's entities stay only where no rule
matched and only for MERCHANT (names the lists lack, judged from context),
filtered against everyday words, people and places. The word lists are saved
with the pipeline (JSON), so a served model does not depend on the installed lists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nivesh.families import ner_grammar as grammar
from nivesh.families import ner_lexicon as lexicon

Span = tuple[int, int, str]
RULES_PIPE = "nivesh_rules"
LABEL_PRIORITY = {"ACCOUNT": 5, "MONEY": 4, "DATE": 3, "MERCHANT": 2, "CATEGORY": 1}
# Upper-case words banks print after a merchant's name; a gazetteer hit extends over them.
CORP_SUFFIXES = frozenset(
    """ltd limited pvt private india in services service solutions technologies tech retail stores store sports
    cinemas internet pizza coffee marketplace enterprises co corp corporation finance insurance general life
    broking securities digital fresh supermarket mart hospitals pharmacy seller development centre center
    avenue supermarts escrow systems payments networks foods""".split()
)


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


def register() -> None:
    """Make the factory known to spaCy (on training and before `spacy.load`)."""
    from spacy.language import Language

    if not Language.has_factory(RULES_PIPE):
        Language.factory(RULES_PIPE, func=lambda nlp, name: RuleStage(nlp, name))
