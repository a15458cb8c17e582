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
import re
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
        self.common: frozenset[str] = frozenset()
        self.set_merchants(lexicon.rule_gazetteer())

    def set_merchants(self, names: Sequence[str]) -> None:
        """The names to match; their token index is built on first use, so loading a saved
        pipeline (the defaults here, then its own list) tokenizes the lists once."""
        self.merchants = sorted(names)
        self._index: dict[tuple[str, ...], str] | None = None
        self._longest = 1

    def index(self) -> dict[tuple[str, ...], str]:
        """Lower-case token tuples -> label, for categories and merchants."""
        if self._index is None:
            index = {self._key(term): "CATEGORY" for term in lexicon.CATEGORY_TERMS}
            for name in self.merchants:
                index[self._key(name)] = "MERCHANT"  # a brand named like a category is a merchant
            self._index = index
            self._longest = max((len(k) for k in index), default=1)
        return self._index

    def _key(self, text: str) -> tuple[str, ...]:
        return tuple(t.lower_ for t in self.nlp.make_doc(lexicon.normalize(text)))

    def word_spans(self, doc: Any) -> list[Span]:
        """Longest gazetteer and category-term matches, as character spans."""
        out: list[Span] = []
        index = self.index()
        i = 0
        while i < len(doc):
            for n in range(min(self._longest, len(doc) - i), 0, -1):
                label = index.get(tuple(t.lower_ for t in doc[i : i + n]))
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
        ruled = resolve(grammar.find(doc.text) + self.word_spans(doc) + narration_payees(doc.text))
        spans = []
        for s, e, label in ruled:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        payees = self.payee_spans(doc)
        for payee in payees:  # a category word inside an upper-case payee name is part of the name
            spans = [
                sp for sp in spans if not (sp.label_ == "CATEGORY" and payee.start <= sp.start and sp.end <= payee.end)
            ]
        model = payees + [ent for ent in doc.ents if self.model_merchant(ent)]
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

    def payee_spans(self, doc: Any) -> list[Any]:
        """Upper-case names where alerts print the payee ("at SLEEPY OWL COFFEE on", "to
        FANCODE via", "POS NEEMANS BANGALORE"): the position says merchant even when no
        list knows the name. Bank words, people and single everyday words are not."""
        from spacy.tokens import Span as DocSpan

        out = []
        for i, token in enumerate(doc[:-1]):
            if token.lower_ not in PAYEE_CUES:
                continue
            end = i + 1
            while (
                end < len(doc)
                and end - i <= 4
                and _caps_word(doc[end])
                and doc[end].lower_ not in NOT_PAYEE
                and not (end > i + 1 and doc[end].lower_ in _PLACES)  # "POS NEEMANS BANGALORE"
            ):
                end += 1
            at_place = end < len(doc) and end > i + 1 and doc[end].lower_ in _PLACES
            if end == i + 1 or (end < len(doc) and not at_place and not _boundary(doc[end])):
                continue
            words = [t.lower_ for t in doc[i + 1 : end]]
            if words[0] in _PEOPLE or (len(words) == 1 and words[0] in self.common):
                continue
            out.append(DocSpan(doc, i + 1, end, label="MERCHANT"))
        return out

    def model_merchant(self, ent: Any) -> bool:
        """Whether to keep an entity only the statistical model found. Rules are exact for
        amounts, dates, accounts and categories, so the model adds merchants only: names
        the gazetteer lacks, judged from context. Everyday words, people and places are not."""
        if ent.label_ != "MERCHANT" or not any(t.is_alpha for t in ent):
            return False
        words = [t.lower_ for t in ent if t.is_alpha]
        if (ent.end < len(ent.doc) and ent.doc[ent.end].lower_ == "bank") or any(w in NOT_PAYEE for w in words):
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
PAYEE_CUES = frozenset({"at", "to", "towards", "for", "vpa", "pos", "trf"})
_PLACES = frozenset(lexicon.PLACES)
# Upper-case words that are the alert's own vocabulary or a bank, never the payee.
NOT_PAYEE = frozenset(
    """upi vpa atm neft imps rtgs inr rs usd ist otp emi nach si pos dr cr ref refno id pin pnr gst sms kyc card
    bank a c ac acct account mob bk net banking wallet self branch cash hdfc sbi icici axis kotak pnb bob
    canara yes idfc federal rbl indusind au union boi savings transfer tpt charges block credit debit autopay
    mandate deposit balance limit wdl amex""".split()
)
PAYEE_END = frozenset("on via using from for at ref upi ist bal avl and with txn dt date".split())


# Statement narrations print the payee in a fixed slot: UPI/DR/<ref>/<payee>/..., VIN/<payee>/...
NARRATION_SLOTS = [
    re.compile(r"^(?:TO TRANSFER-)?UPI/(?:DR|P2M)/\d+/(?P<v>[^/]{2,40})/"),
    re.compile(r"^(?:VIN|VPS|PCD/[^/]+)/(?P<v>[^/]{2,40})/"),
    re.compile(r"^BIL/ONL/\d+/(?P<v>[^/]{2,40})/"),
    re.compile(r"^UPI-(?P<v>[^-]{2,40})-[\w.]+@"),
    re.compile(r"^(?:NACH-DR-|ACH/|ECS/|NACH/|CMS/|SI-)(?P<v>[A-Za-z][^/-]{1,40})[/-]"),
]


def narration_payees(text: str) -> list[Span]:
    """The payee slot of a narration, unless it holds a person's name."""
    return [
        (s, e, label)
        for s, e, label in grammar.spans(NARRATION_SLOTS, text, "MERCHANT")
        if (words := text[s:e].split()) and words[0].lower() not in _PEOPLE and not text[s:e].strip().isdigit()
    ]


def _caps_word(token: Any) -> bool:
    return token.is_upper and any(c.isalpha() for c in token.text) and not token.like_num


def _boundary(token: Any) -> bool:
    return token.is_punct or token.lower_ in PAYEE_END or token.is_space


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
