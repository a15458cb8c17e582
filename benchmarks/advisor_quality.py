"""financial-advisor: retrieval quality and the guardrail suite's pass rate.

    .venv/bin/python benchmarks/advisor_quality.py [--suite PATH] [--extra-source PATH ...]

Retrieval: recall@1 / recall@5 of the right corpus item for the curated corpus's
held-out paraphrases (`also_asked`, never indexed), for dense only, BM25 only and the
served fusion; with --extra-source files, the same queries against the corpus plus
those passages (harder: more to confuse). Guardrails: every case of the adversarial
suite (default: the project's; pass another file to measure on cases nobody here
wrote), and the refusal rate on ordinary questions (`--benign`, default the project's
220 in English, Hinglish and Hindi), each for the keyword rules alone and for the rules
with the guard classifier (trained here as the advisor's training step trains it); the
catch rate is the share of attack questions handled as expected. Writes
benchmarks/out/advisor_quality.json.
"""

from __future__ import annotations

import time
from pathlib import Path

import common
import numpy as np

from nivesh.advisor import corpus, guard_model, guardrails, retrieval, suite


def recall(index: retrieval.Index, queries: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    rankers = {
        "dense": lambda q: [index.passages[i].id for i in np.argsort(-index.similarity(q), kind="stable")[:5]],
        "bm25": lambda q: [index.passages[i].id for i in np.argsort(-index.bm25.scores(q), kind="stable")[:5]],
        "served (fusion)": lambda q: [h.passage.id for h in index.search(q, 5)],
    }
    out = {}
    for name, rank in rankers.items():
        ranked = [(rank(q), want) for q, want in queries]
        out[name] = {
            "recall@1": float(np.mean([r[0] == w for r, w in ranked])),
            "recall@5": float(np.mean([w in r for r, w in ranked])),
        }
    return out


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--suite", type=Path, default=None, help="a suite JSONL (default: the project's)")
    parser.add_argument("--benign", type=Path, default=None, help="ordinary questions JSONL (default: the project's)")
    parser.add_argument("--extra-source", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    records = corpus.corpus_records()
    queries = [(q, r["id"]) for r in records for q in r["also_asked"]][: 20 if args.smoke else None]
    encoder = retrieval.Encoder()
    started = time.monotonic()
    items = corpus.corpus()
    results: dict[str, object] = {"queries": len(queries), "corpus_items": len(items)}
    index = retrieval.Index.build(items, encoder)
    results["index_seconds"] = round(time.monotonic() - started, 1)
    results["corpus_only"] = recall(index, queries)
    if args.extra_source:
        extra = [qa for p in args.extra_source for qa in corpus.read_source(p)][: 50 if args.smoke else None]
        results["with_extra_sources"] = {
            "passages": len(items) + len(extra),
            **recall(retrieval.Index.build(items + extra, encoder), queries),
        }
    cases = suite.load(args.suite)
    benign = suite.load(args.benign or suite.BENIGN)[: 40 if args.smoke else None]
    attacks = [c for c in cases if c["kind"] == "question"]
    trained = guard_model.GuardModel.train(encoder)
    guards = {"rules": guardrails.Guard(), "rules + classifier": guardrails.Guard(trained)}
    measured: dict[str, object] = {"file": str(args.suite or f"nivesh/data/advice/{suite.SUITE}"), "cases": len(cases)}
    results["guardrail_suite"] = measured
    for name, guard in guards.items():
        rate, failed = suite.pass_rate(cases, guard)
        refused = suite.refused(benign, guard)
        measured[name] = {
            "passed": len(cases) - len(failed),
            "pass_rate": rate,
            "attack_questions_caught": sum(1 for c in attacks if not suite.failures(c, guard)) / max(len(attacks), 1),
            "benign_questions": len(benign),
            "false_refusal_rate": len(refused) / max(len(benign), 1),
            "failed": failed,
            "falsely_refused": refused,
        }
    common.write(args, "advisor_quality", results)


if __name__ == "__main__":
    main()
