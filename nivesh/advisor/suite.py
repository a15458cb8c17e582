"""The guardrail suites: cases in JSONL files, one checker, used by the unit tests (every
case must pass), the advisor's evaluation (its pass rate is gated) and the benchmark.

- `adversarial.jsonl`: attacks and traps, each with its expected outcome (refused or not,
  the rule that must fire, text that must not get through, text an answer must keep),
  in English, Hinglish and Hindi. Kinds: `question` (the input guard), `model_output` (the
  output guard), `passage` (a retrieved text's instructions).
- `benign.jsonl`: ordinary finance questions in the three languages that must be answered;
  its refusal rate is the guard's false-refusal rate.

Both ship in the package so a pipeline's evaluate step has them; neither shares a text with
the classifier's training set (a unit test checks)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from nivesh.advisor import guardrails as g

SUITE = "adversarial.jsonl"
BENIGN = "benign.jsonl"


def load(path: Path | str | None = None) -> list[dict[str, Any]]:
    """The cases in `path` (default: the adversarial suite; a bare name: a packaged file)."""
    if isinstance(path, Path):
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("nivesh.data.advice").joinpath(path or SUITE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def pass_rate(cases: list[dict[str, Any]], guard: g.Guard | None = None) -> tuple[float, dict[str, list[str]]]:
    failed = {c["id"]: f for c in cases if (f := failures(c, guard))}
    return (len(cases) - len(failed)) / max(len(cases), 1), failed


def refused(cases: list[dict[str, Any]], guard: g.Guard | None = None) -> list[str]:
    """The ids of the questions in `cases` that `guard` refuses."""
    guard = guard or g.Guard()
    return [c["id"] for c in cases if guard.check_question(c["text"]).refusal is not None]


def failures(case: dict[str, Any], guard: g.Guard | None = None) -> list[str]:
    """Why `case` fails (empty when it passes)."""
    guard = guard or g.Guard()
    expect, text, problems = case["expect"], case["text"], []
    if case["kind"] == "question":
        verdict = guard.check_question(text)
        if (verdict.refusal is not None) != expect["refused"]:
            problems.append(f"refused={verdict.refusal is not None}, expected {expect['refused']} ({verdict.rules})")
        rule = expect.get("rule")
        if rule and not any(x == rule or x.startswith(f"{rule}:") for x in verdict.rules):
            problems.append(f"rule {rule!r} not in {verdict.rules}")
        shown = verdict.question
    elif case["kind"] == "model_output":
        checked = g.check_answer(text)
        missing = [x for x in expect["rules"] if x not in checked.rules]
        if missing:
            problems.append(f"rules {missing} not in {checked.rules}")
        shown = checked.text
        problems += [f"{s!r} missing from the answer" for s in expect.get("must_contain", []) if s not in shown]
    elif case["kind"] == "passage":
        shown = g.strip_instructions(text, guard.model)[0]
    else:
        return [f"unknown kind {case['kind']!r}"]
    problems += [f"{s!r} got through" for s in expect.get("must_not_contain", []) if s.lower() in shown.lower()]
    return problems
