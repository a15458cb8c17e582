"""The adversarial guardrail suite: cases in a JSONL file, one checker, used by the unit
tests (every case must pass), the advisor's evaluation (its pass rate is gated) and
the benchmark (pass rate on any suite file). The project's suite ships in the package
(`nivesh/data/advice/adversarial.jsonl`) so a pipeline's evaluate step has it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from nivesh.advisor import guardrails as g

SUITE = "adversarial.jsonl"


def load(path: Path | None = None) -> list[dict[str, Any]]:
    """The cases in `path` (default: the project's suite)."""
    text = (
        path.read_text(encoding="utf-8") if path else resources.files("nivesh.data.advice").joinpath(SUITE).read_text()
    )
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def pass_rate(cases: list[dict[str, Any]]) -> tuple[float, dict[str, list[str]]]:
    failed = {c["id"]: f for c in cases if (f := failures(c))}
    return (len(cases) - len(failed)) / max(len(cases), 1), failed


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
