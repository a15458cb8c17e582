"""The adversarial suite (every case must pass) and the pieces the guardrails rely on."""

import pytest

from nivesh.advisor import guardrails as g
from nivesh.advisor import suite
from nivesh.pii import luhn_ok, scrub

CASES = suite.load()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_adversarial_case(case: dict) -> None:
    assert suite.failures(case) == []


def test_suite_covers_every_kind_of_attack() -> None:
    rules = {c["expect"].get("rule") for c in CASES} | {r for c in CASES for r in c["expect"].get("rules", [])}
    assert {"injection", "unsafe", "abusive", "off_topic", "self_harm", "pii:PAN"} <= rules
    assert {"removed:return_promise", "removed:stock_tip", "disclaimer"} <= rules
    assert {c["kind"] for c in CASES} == {"question", "model_output", "passage"}


def test_a_broken_guard_fails_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite can fail: with the stock-tip rule switched off, its cases do."""
    monkeypatch.setattr(g, "_tips_a_stock", lambda sentence: False)
    failing = [c["id"] for c in CASES if suite.failures(c)]
    assert "out-stock" in failing and "out-stock-2" in failing


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PAN: abcpe1234f", "PAN"),
        ("aadhaar 2345-6789-0123", "AADHAAR"),
        ("call +91-98765 43210", "PHONE"),
        ("card 5555 5555 5555 4444", "CARD"),
        ("pay me at asha.r@ybl", "UPI_ID"),
        ("mail asha@example.co.in", "EMAIL"),
        ("account no 50100234567891", "ACCOUNT"),
    ],
)
def test_pii_is_replaced_by_its_kind(text: str, kind: str) -> None:
    out = scrub(text)
    assert f"[{kind}]" in out.text and out.found[kind] == 1


def test_amounts_years_and_ifsc_are_not_pii() -> None:
    text = "I invest Rs 1,50,000 (150000) a year since 2019 via HDFC0001234, 12.5 % LTCG over 1.25 lakh"
    assert scrub(text).text == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_disclaimer_once_and_only_for_products() -> None:
    once = g.check_answer("Start an index fund SIP.").text
    assert once.count(g.DISCLAIMER) == 1 and g.check_answer(once).text.count(g.DISCLAIMER) == 1
    assert g.DISCLAIMER not in g.check_answer("Keep six months of expenses in a savings account.").text


def test_scope_can_be_widened_by_retrieval() -> None:
    question = "Who counts as a deemed resident?"
    assert g.check_question(question).refusal is not None
    assert g.check_question(question, in_scope=lambda q: True).refusal is None
    assert g.check_question("how to hack a bank", in_scope=lambda q: True).refusal is not None
