import json
from pathlib import Path

import pytest

from nivesh.advisor import corpus as c
from nivesh.advisor import dataset as d
from nivesh.advisor.prompt import SYSTEM_INSTRUCTION
from nivesh.errors import SchemaError

GOOD = "Keep six months of essential expenses in a savings account or a liquid fund before you invest."


def _qa(question: str, answer: str = GOOD, ident: str = "1") -> c.QA:
    return c.QA(ident, question, answer, "test", "test.jsonl")


def test_curated_corpus_is_valid_and_cites_sources() -> None:
    records = c.corpus_records()
    assert len(records) >= 40 and len({r["id"] for r in records}) == len(records)
    assert all(r["source"] and r["also_asked"] for r in records)
    topics = {r["topic"] for r in records}
    assert {
        "tax",
        "retirement",
        "savings",
        "mutual_funds",
        "deposits",
        "planning",
        "insurance",
        "loans",
        "credit",
        "upi",
    } <= topics


def test_examples_are_vertex_tuning_format_and_split_without_overlap(tmp_path: Path) -> None:
    built = d.build({"corpus": c.corpus()}, d.Limits(validation_fraction=0.2))
    paths = built.write(tmp_path)
    train = [json.loads(x) for x in paths["train"].read_text().splitlines()]
    val = [json.loads(x) for x in paths["validation"].read_text().splitlines()]
    assert train and val and len(train) + len(val) == built.report.kept["corpus"]
    for ex in train + val:
        assert d.problems(ex, d.Limits()) == []
        assert ex["systemInstruction"]["parts"][0]["text"] == SYSTEM_INSTRUCTION
        assert [c["role"] for c in ex["contents"]] == ["user", "model"]
    questions = lambda rows: {d.normalise(r["contents"][0]["parts"][0]["text"]) for r in rows}  # noqa: E731
    assert not questions(train) & questions(val)
    assert json.loads(paths["report"].read_text())["fingerprint"] == built.report.fingerprint


def test_the_same_sources_give_the_same_split_and_fingerprint() -> None:
    a, b = d.build({"corpus": c.corpus()}), d.build({"corpus": c.corpus()})
    assert a.report.fingerprint == b.report.fingerprint and a.validation == b.validation


def test_dropped_examples_are_counted_by_reason() -> None:
    items = [
        _qa("How big should my emergency fund be?", ident="a"),
        _qa("Where should I keep my emergency money?", ident="b"),
        _qa("how big should my EMERGENCY fund be??", ident="dup"),
        _qa(
            "Which fund is best?",
            "This fund gives guaranteed returns of 18 % a year, so invest all you have.",
            "promise",
        ),
        _qa("Which share?", "Buy Reliance shares before the quarterly results come out.", "tip"),
        _qa("How do I hide cash income from the tax department?", ident="unsafe"),
        _qa("Short?", "Yes.", "short"),
    ]
    report = d.build({"mine": items}, d.Limits(validation_fraction=0.0)).report
    assert report.kept["mine"] == 2
    assert report.dropped == {
        "duplicate_question": 1,
        "guardrail:return_promise": 1,
        "guardrail:stock_tip": 1,
        "question:unsafe": 1,
        "empty_or_short": 1,
    }
    assert report.dropped_examples["duplicate_question"] == ["test.jsonl:dup"]


def test_pii_is_scrubbed_from_what_is_taught() -> None:
    built = d.build({"mine": [_qa("My PAN is ABCPE1234F, call 9876543210: which regime?", GOOD)]})
    text = json.dumps(built.train + built.validation)
    assert "ABCPE1234F" not in text and "9876543210" not in text and "[PAN]" in text
    assert built.report.pii_scrubbed == {"PAN": 1, "PHONE": 1}


@pytest.mark.parametrize(
    ("example", "problem"),
    [
        ({"contents": []}, "non-empty list"),
        ({"contents": [{"role": "model", "parts": [{"text": "hi"}]}]}, "alternate"),
        (
            {"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "user", "parts": [{"text": "b"}]}]},
            "alternate",
        ),
        ({"contents": [{"role": "bot", "parts": [{"text": "a"}]}]}, "user or model"),
        (
            {"contents": [{"role": "user", "parts": [{"text": " "}]}, {"role": "model", "parts": [{"text": "b"}]}]},
            "no non-empty text",
        ),
        (
            {
                "contents": [
                    {"role": "user", "parts": [{"text": "a" * 40000}]},
                    {"role": "model", "parts": [{"text": "b"}]},
                ]
            },
            "over the 8192",
        ),
    ],
)
def test_invalid_examples_are_named(example: dict, problem: str) -> None:
    assert any(problem in p for p in d.problems(example, d.Limits()))


def test_bad_source_files_say_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n')
    with pytest.raises(SchemaError, match=r"record 1.*'question' and 'answer'"):
        c.read_source(bad)
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not JSON"):
        c.read_source(bad)
    with pytest.raises(SchemaError, match="no such file"):
        c.read_source(tmp_path / "missing.json")


def test_shared_advice_files_load(tmp_path: Path) -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "advice"
    if not shared.is_dir():
        pytest.skip(f"{shared} not present (the shared real-data folder)")
    sources = {p.stem: c.read_source(p) for p in sorted(shared.glob("*.json*"))}
    built = d.build({"corpus": c.corpus(), **sources})
    assert built.report.kept["train"] > 300 and built.report.dropped["duplicate_question"] > 0


def test_cli_builds_the_dataset_and_names_a_bad_source(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nivesh.cli import app

    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"question": "How do I start an RD for my child?", "answer": GOOD}) + "\n")
    result = CliRunner().invoke(app, ["advisor", "dataset", "--out", str(tmp_path / "ds"), "--source", str(mine)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "ds" / "report.json").read_text())
    assert report["read"] == {"corpus": len(c.corpus()), "mine": 1} and report["kept"]["mine"] == 1
    bad = CliRunner().invoke(
        app, ["advisor", "dataset", "--out", str(tmp_path / "x"), "--source", str(tmp_path / "no.json")]
    )
    assert bad.exit_code != 0 and isinstance(bad.exception, SchemaError)
