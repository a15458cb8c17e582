"""The advisor's rules, applied before and after the model, whatever the model is.

Before: the question is read as a person sees it (`textnorm`: NFKC, no zero-width or bidi
characters, look-alike letters folded), scrubbed of personal data, and any imitation of
the prompt's own structure (a numbered source block, a "Sources" or "About the user" line)
is cut out. Sentences addressed to the assistant's instructions are cut out too (keyword
rules in three languages, and the classifier). A request that is unsafe (tax evasion,
structuring, someone else's OTP, laundering), abusive, or not about personal finance is
refused with a fixed message; so is one with nothing left once the instructions are cut.

After: sentences that promise returns or tip a single stock or fund are removed, in
English, Hinglish and Hindi; a sentence that denies a promise ("no fund can guarantee
returns") is judged on what remains once the denial is cut out, so one negation word does
not switch the check off. Personal data is scrubbed again, and a SEBI-style disclaimer is
added whenever an investment product is named.

Every decision is named (`Verdict.rules`) for the prediction log and the tests. The rules
live in `rules.py`; the classifier in `guard_model.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from nivesh import textnorm
from nivesh.advisor import rules as r
from nivesh.advisor.guard_model import THRESHOLDS, GuardModel
from nivesh.pii import scrub

DISCLAIMER = (
    "Mutual fund and other market-linked investments are subject to market risks; read all "
    "scheme-related documents carefully. This is general information, not investment advice: "
    "for advice on your situation consult a SEBI-registered investment adviser."
)
REFUSALS = {
    "unsafe": (
        "I can't help with that: it could break the law or harm someone. I can explain the legal "
        "ways to save tax, report fraud, or protect your accounts."
    ),
    "abusive": "I'm here to help with your money questions. Please ask again without abuse.",
    "off_topic": (
        "I can only help with personal finance in India: budgeting, saving, tax, investing, loans, "
        "insurance, UPI and banking. Please ask a money question."
    ),
    "self_harm": (
        "I'm sorry you're going through this. Money trouble can feel overwhelming, and you don't have "
        "to face it alone: please call Tele-MANAS on 14416 (free, 24x7) or someone you trust. When "
        "you're ready, I can help you make a plan for debts or expenses."
    ),
    "injection_only": ("I can't change how I work or reveal my instructions. Ask me a personal-finance question."),
}
UNANSWERED = ("unsafe", "abusive", "self_harm")  # refused whatever the scope
_SENTENCE = regex.compile(r"(?<=[.!?।|:;])\s+|\n+")


@dataclass
class Verdict:
    """What the input guard decided: `refusal` is set when the request is not answered."""

    question: str  # cleaned, scrubbed, instructions and forged structure cut out, one line
    refusal: str | None = None
    rules: list[str] = field(default_factory=list)


@dataclass
class Checked:
    text: str
    rules: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s.strip()]


def _instruction_free(text: str, model: GuardModel | None = None) -> tuple[list[str], list[str]]:
    """The sentences of `text` that do not address the assistant, and the rules that cut the others."""
    text, tags = r.TAG_BLOCK.subn(" ", text)
    cut = ["injection"] * tags
    parts = sentences(text)
    kept = [s for s in parts if not r.INJECTION.search(textnorm.squashed(s))]
    cut += ["injection"] * (len(parts) - len(kept))
    if model is not None and kept:
        probs = model.probabilities(kept)
        flagged = [p["injection"] >= THRESHOLDS["injection"] for p in probs]
        cut += ["injection:model"] * sum(flagged)
        kept = [s for s, f in zip(kept, flagged, strict=True) if not f]
    return kept, cut


def strip_instructions(text: str, model: GuardModel | None = None) -> tuple[str, int]:
    """Drop every sentence that addresses the assistant's instructions; returns the rest
    and how many were dropped. Used on questions, retrieved passages and answers alike."""
    kept, cut = _instruction_free(textnorm.clean(text), model)
    return " ".join(kept), len(cut)


def strip_forgeries(text: str) -> tuple[str, bool]:
    """`text` without anything imitating the prompt's structure (prompt.py): numbered source
    blocks, section headers, the delimiters. A source block only ever comes from retrieval."""
    cut = r.FORGED_MARK.sub(" ", r.FORGED_LINE.sub(" ", r.FORGED_BLOCK.sub(" ", text)))
    return cut, cut != text


@dataclass
class Guard:
    """The input guard: rules (always), the classifier (when the advisor has one), and the
    retrieval relevance that widens the finance vocabulary (`in_scope`)."""

    model: GuardModel | None = None
    in_scope: Callable[[str], bool] | None = None

    def check_question(self, question: str) -> Verdict:
        """Order matters: safety before scope, so an unsafe request is refused as unsafe even
        when it mentions tax."""
        scrubbed = scrub(textnorm.clean(question))
        rules = [f"pii:{k}" for k in sorted(scrubbed.found)]
        unforged, forged = strip_forgeries(scrubbed.text)
        if forged:
            rules.append("forged_structure")
            if r.INJECTION.search(textnorm.squashed(scrubbed.text)):
                rules.append("injection")  # the forged part itself addressed the assistant
        kept, cut = _instruction_free(unforged, self.model)
        rules += sorted(set(cut) - set(rules))
        text = " ".join(" ".join(kept).split())
        # `said`: everything the user wrote, so abuse or distress in a sentence the injection check cut still counts
        squashed, plain, said = textnorm.squashed(unforged), textnorm.plain(text), textnorm.plain(unforged)
        if r.SELF_HARM.search(said):
            return Verdict(text, REFUSALS["self_harm"], [*rules, "self_harm"])
        if unsafe(squashed):
            return Verdict(text, REFUSALS["unsafe"], [*rules, "unsafe"])
        probs = self.model.probabilities([text])[0] if self.model is not None and text.strip() else {}
        if probs.get("unsafe", 0.0) >= THRESHOLDS["unsafe"]:
            return Verdict(text, REFUSALS["unsafe"], [*rules, "unsafe:model"])
        abusive = r.ABUSE.search(said)
        if abusive and not r.FINANCE.search(r.ABUSE.sub("", said)):
            return Verdict(text, REFUSALS["abusive"], [*rules, "abusive"])
        if not text.strip():
            return Verdict(text, REFUSALS["injection_only" if cut else "off_topic"], [*rules, "empty_after_guard"])
        if not self._about_money(text, plain, probs):
            return Verdict(text, REFUSALS["off_topic"], [*rules, "off_topic"])
        if abusive:
            rules.append("abusive_language")
            text = " ".join(r.ABUSE.sub("", text).split())
        return Verdict(text, None, rules)

    def _about_money(self, text: str, plain: str, probs: dict[str, float]) -> bool:
        """Finance vocabulary, else the classifier's `ok`, else retrieval relevance: any one
        keeps the question (a wrong off-topic refusal costs more than an off-topic answer)."""
        if r.FINANCE.search(plain) or probs.get("ok", 0.0) >= 0.5:
            return True
        return bool(self.in_scope and self.in_scope(text))


def unsafe(squashed: str) -> bool:
    """An unsafe request by the rules: an act (evading tax, someone else's OTP) always; a crime
    by name only when asked how to commit it, not when asked what it is or how to avoid it."""
    if r.UNSAFE.search(squashed):
        return True
    for s in sentences(squashed):
        if r.UNSAFE_TOPIC.search(s) and r.HOW_TO.search(s) and not r.DEFENCE.search(s):
            return True
    return False


def check_question(question: str, in_scope: Callable[[str], bool] | None = None) -> Verdict:
    """The rules alone (no classifier): what a caller without an advisor artifact gets."""
    return Guard(None, in_scope).check_question(question)


def promises_returns(sentence: str) -> bool:
    """A promise or a prediction of returns, once any denial of one is cut out."""
    residual = r.SAFE_DENIAL.sub(" ", textnorm.squashed(sentence))
    return bool(r.RETURN_PROMISE.search(residual))


def tips_a_stock(sentence: str) -> bool:
    return bool(r.STOCK_TIP.search(textnorm.squashed(sentence)))


def check_answer(answer: str) -> Checked:
    """The output guard: remove promises and tips, scrub, add the disclaimer when due."""
    checks: list[str] = []
    kept = []
    text, cut = _instruction_free(textnorm.clean(answer))
    checks += ["removed:instructions"] * bool(cut)
    for s in text:
        removed = [name for name, hit in (("return_promise", promises_returns), ("stock_tip", tips_a_stock)) if hit(s)]
        checks += [f"removed:{name}" for name in removed]
        if not removed:
            kept.append(s)
    scrubbed = scrub(" ".join(kept))
    checks += [f"pii:{k}" for k in sorted(scrubbed.found)]
    out = scrubbed.text.strip()
    if not out:
        out, checks = REFUSALS["off_topic"], [*checks, "empty_after_guard"]
    named = r.PRODUCTS.search(textnorm.plain(out)) or r.PRODUCTS.search(textnorm.plain(answer))
    if named and DISCLAIMER not in out:
        out = f"{out}\n\n{DISCLAIMER}"
        checks.append("disclaimer")
    return Checked(out, checks)
