"""The adversarial guardrail suite: cases in a JSONL file, one checker, used by the unit
tests (every case must pass) and by the benchmark (pass rate on any suite file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nivesh.advisor import guardrails as g


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def failures(case: dict[str, Any]) -> list[str]:
    """Why `case` fails (empty when it passes)."""
    expect, text, problems = case["expect"], case["text"], []
    if case["kind"] == "question":
        verdict = g.check_question(text)
        if (verdict.refusal is not None) != expect["refused"]:
            problems.append(f"refused={verdict.refusal is not None}, expected {expect['refused']} ({verdict.rules})")
        if expect.get("rule") and expect["rule"] not in verdict.rules:
            problems.append(f"rule {expect['rule']!r} not in {verdict.rules}")
        shown = verdict.question
    elif case["kind"] == "model_output":
        checked = g.check_answer(text)
        missing = [r for r in expect["rules"] if r not in checked.rules]
        if missing:
            problems.append(f"rules {missing} not in {checked.rules}")
        shown = checked.text
        problems += [f"{s!r} missing from the answer" for s in expect.get("must_contain", []) if s not in shown]
    elif case["kind"] == "passage":
        shown = g.strip_instructions(text)[0]
    else:
        return [f"unknown kind {case['kind']!r}"]
    problems += [f"{s!r} got through" for s in expect.get("must_not_contain", []) if s.lower() in shown.lower()]
    return problems
