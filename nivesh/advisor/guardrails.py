"""The advisor's rules, applied before and after the model, whatever the model is.

Before: the question is scrubbed of personal data; a request that is unsafe (tax
evasion, fraud, someone else's account), abusive, or not about personal finance
is refused with a fixed message; instructions aimed at the assistant ("ignore your
rules", "you are now ...") are cut out of the question and out of every retrieved
passage, so text can ask but never re-program. After: sentences that promise
returns or tip a single stock are removed, personal data is scrubbed again, and a
SEBI-style disclaimer is added whenever an investment product is named.

The rules are plain patterns, kept here and nowhere else, so the same checks run
on a tuned Gemini answer and on the offline extractive answer, and every decision
is named (`Verdict.rules`) for the prediction log and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

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
_I = re.IGNORECASE
INJECTION = re.compile(
    r"(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(instructions?|rules?|guidelines?|guardrails?|"
    r"prompts?|polic(y|ies)|restrictions?|everything)"
    r"|\byou are now\b|\bfrom now on,? you\b|\bact as (an?|the|my)\b|\bpretend (to be|you)\b"
    r"|\b(developer|god|jailbreak|dan) mode\b|\bjailbreak\b"
    r"|\b(system|hidden|initial) (prompt|instructions?|message)\b"
    r"|\b(reveal|print|show|repeat|output)\b[^.!?\n]{0,30}\b(prompt|instructions?|rules)\b"
    r"|\bnew (instructions?|rules?)\s*:"
    r"|<\s*/?\s*(system|instructions?|assistant)\s*>|\[\s*(system|inst)\s*\]|###\s*(system|instruction)",
    _I,
)
UNSAFE = re.compile(
    r"\b(evade|evading|evasion of|dodge|hide|hiding|conceal)\b[^.!?\n]{0,30}\b(tax|income|gst|money|cash|it department)"
    r"|\b(black money|launder|laundering|hawala|benami)\b"
    r"|\bfake\b[^.!?\n]{0,30}\b(rent receipts?|invoices?|bills?|documents?|pan|salary slips?|kyc)"
    r"|\b(forge|forged|forging)\b"
    r"|\b(hack|hacking|phish|phishing)\b"
    r"|\b(steal|stealing|get|obtain|grab)\b[^.!?\n]{0,30}\b(otp|upi pin|pin|password|cvv)\b[^.!?\n]{0,30}"
    r"\b(someone|somebody|other|others|his|her|their|victim|people|customer)"
    r"|\b(someone|somebody|other people'?s|my (friend|neighbou?r|boss)'?s)\b[^.!?\n]{0,30}\b(account|upi|card|otp)"
    r"\b[^.!?\n]{0,30}\b(access|use|withdraw|transfer|login|log into|without)"
    r"|\bbypass\b[^.!?\n]{0,20}\b(kyc|aml|verification)"
    r"|\b(pump and dump|insider (tip|information|trading))\b"
    r"|\bponzi\b[^.!?\n]{0,20}\b(start|run|set up|create)",
    _I,
)
SELF_HARM = re.compile(r"\b(kill myself|end my life|suicide|want to die|self[- ]harm)\b", _I)
ABUSE = re.compile(r"\b(f+u+c+k+\w*|shit\w*|bastard|idiot|stupid bot|bitch\w*|chutiya|madarchod|bhenchod|harami)\b", _I)
FINANCE = re.compile(
    r"\b(money|rupees?|rs\.?|inr|₹|lakhs?|crores?|salary|salaries|income|tax\w*|itr|tds|gst|80c|80d|hra|regime|invest\w*|sips?|"
    r"mutual funds?|mf|elss|equity|shares?|stocks?|index funds?|etf|gold|sgb|bonds?|fd|fds|fixed deposits?|rd|"
    r"deposits?|savings?|save|saving|ppf|epf|pf|nps|pension|retire\w*|insurance|term plan|premiums?|loans?|emis?|"
    r"mortgage|home loan|credit( cards?| score)?|cibil|debts?|interest|bank\w*|upi|neft|imps|accounts?|kyc|budget\w*|"
    r"spend\w*|expenses?|afford|emergency fund|inflation|portfolio|returns?|nominees?|(make|write) a will|wealth|"
    r"finance|financial|provident|funds?|schemes?|yojana|sukanya|cover|policy|policies|invoices?|gstr\w*|itc|"
    r"e-way|capital gains?|dividends?|nav|rent|property|cheques?|atm|cards?|wallet|lic|mediclaim|crypto\w*|"
    r"statements?|form ?16a?|26as|ais|assessment|deductions?|exemptions?|depreciation|refunds?|"
    r"fraud|scam|refund|payment|paisa|paise|kharcha|bachat|nivesh)\b",
    _I,
)
RETURN_PROMISE = re.compile(
    r"\b(guarantee[ds]?|assured?|promised?)\b[^.!?\n]{0,30}\b(returns?|profits?|gains?|income|interest|money)\b"
    r"|\b(returns?|profits?|gains?)\b[^.!?\n]{0,20}\b(guaranteed|assured|certain|sure)\b"
    r"|\b(sure[- ]?shot|risk[- ]free|no[- ]risk|zero[- ]risk|can'?t lose|cannot lose|never lose)\b"
    r"|\bwill (definitely |surely |certainly |always )?(double|triple|multiply|grow \d)"
    r"|\b\d{1,3}\s?%\s*(guaranteed|assured)",
    _I,
)
NEGATION = re.compile(
    r"\b(no|not|never|cannot|can't|nothing|nobody|none|isn't|aren't|don't|doesn't|avoid|beware)\b", _I
)
SAFE_GUARANTEE = re.compile(r"\b(fd|fixed deposit|ppf|nsc|sukanya|government|dicgc|insured|scss|rd)\b", _I)
_NAME = r"[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3}"  # a company's name: capitalised words, case-sensitive
STOCK_TIP = re.compile(
    r"\b(?i:buy|sell|accumulate|short|add|pick|go long on|invest in|grab)\s+(?:(?i:some|more)\s+)?"
    + _NAME
    + r"\s+(?i:shares?|stocks?|scrips?)\b"
    + r"|\b(?i:buy|sell|accumulate|short|add|pick|grab)\s+(?i:shares?|stocks?) (?i:of|in) "
    + _NAME
    + r"|\b(?i:target price|stop[- ]?loss|multibaggers?|intraday (?:calls?|tips?)|penny stocks? to buy)\b"
    + r"|"
    + _NAME
    + r"\s+(?i:shares?|stocks?)\s+(?i:will|is going to|are going to|should)\s+(?i:rise|go up|double|rally|jump|surge)",
)
STOCK_TIP_ALLOWED = re.compile(r"\b(index fund|mutual fund|diversified|etf|not recommend|does not recommend)\b", _I)
PRODUCTS = re.compile(
    r"\b(mutual funds?|sips?|elss|equity|shares?|stocks?|index funds?|etfs?|nps|bonds?|sgb|sovereign gold|"
    r"portfolio|debt funds?|liquid funds?|hybrid funds?|flexi ?cap|small ?cap|large ?cap|demat)\b",
    _I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
TAG_BLOCK = re.compile(r"<\s*(system|instructions?|assistant)\s*>.*?<\s*/\s*\1\s*>", _I | re.DOTALL)


@dataclass
class Verdict:
    """What the input guard decided: `refusal` is set when the request is not answered."""

    question: str  # scrubbed, instructions to the assistant cut out
    refusal: str | None = None
    rules: list[str] = field(default_factory=list)


@dataclass
class Checked:
    text: str
    rules: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s.strip()]


def _instruction_free(text: str) -> tuple[list[str], int]:
    text, dropped = TAG_BLOCK.subn(" ", text)
    kept = []
    for s in sentences(text):
        if INJECTION.search(s):
            dropped += 1
        else:
            kept.append(s)
    return kept, dropped


def strip_instructions(text: str) -> tuple[str, int]:
    """Drop every sentence that addresses the assistant's instructions; returns the rest
    and how many were dropped. Used on questions, retrieved passages and answers alike."""
    kept, dropped = _instruction_free(text)
    return " ".join(kept), dropped


def check_question(question: str, in_scope: Callable[[str], bool] | None = None) -> Verdict:
    """The input guard. Order matters: safety before scope, so an unsafe request is
    refused as unsafe even when it mentions tax. `in_scope` (the predictor passes
    retrieval relevance over the advice corpus) widens the finance vocabulary check."""
    scrubbed = scrub(question)
    rules = [f"pii:{k}" for k in sorted(scrubbed.found)]
    text, injected = strip_instructions(scrubbed.text)
    if injected:
        rules.append("injection")
    if SELF_HARM.search(text):
        return Verdict(text, REFUSALS["self_harm"], [*rules, "self_harm"])
    if UNSAFE.search(scrubbed.text):
        return Verdict(text, REFUSALS["unsafe"], [*rules, "unsafe"])
    if ABUSE.search(text) and not FINANCE.search(ABUSE.sub("", text)):
        return Verdict(text, REFUSALS["abusive"], [*rules, "abusive"])
    if not text.strip():
        return Verdict(text, REFUSALS["injection_only" if injected else "off_topic"], [*rules, "empty_after_guard"])
    if not FINANCE.search(text) and not (in_scope and in_scope(text)):
        return Verdict(text, REFUSALS["off_topic"], [*rules, "off_topic"])
    if ABUSE.search(text):
        rules.append("abusive_language")
        text = ABUSE.sub("", text)
    return Verdict(text, None, rules)


def _promises_returns(sentence: str) -> bool:
    if not RETURN_PROMISE.search(sentence):
        return False
    # "No market-linked investment can guarantee returns" and "FDs are insured" state facts
    return not (NEGATION.search(sentence) or SAFE_GUARANTEE.search(sentence))


def _tips_a_stock(sentence: str) -> bool:
    return bool(STOCK_TIP.search(sentence)) and not STOCK_TIP_ALLOWED.search(sentence)


def check_answer(answer: str) -> Checked:
    """The output guard: remove promises and tips, scrub, add the disclaimer when due."""
    rules: list[str] = []
    kept = []
    for s in _instruction_free(answer)[0]:
        if _promises_returns(s):
            rules.append("removed:return_promise")
        elif _tips_a_stock(s):
            rules.append("removed:stock_tip")
        else:
            kept.append(s)
    scrubbed = scrub(" ".join(kept))
    rules += [f"pii:{k}" for k in sorted(scrubbed.found)]
    text = scrubbed.text.strip()
    if not text:
        text, rules = REFUSALS["off_topic"], [*rules, "empty_after_guard"]
    if PRODUCTS.search(text) and DISCLAIMER not in text:
        text = f"{text}\n\n{DISCLAIMER}"
        rules.append("disclaimer")
    return Checked(text, rules)
