import json
from datetime import date

import pytest

from nivesh.data import ner as ner_data
from nivesh.errors import SchemaError
from nivesh.families import ner
from nivesh.training.financial_ner import read_jsonl

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "rupees"),
    [
        ("Rs 2.5 lakh", 250000.0),
        ("5k", 5000.0),
        ("INR 25,000.00", 25000.0),
        ("\u20b91,50,000", 150000.0),
        ("1.5 crore", 15000000.0),
        ("Rs.499", 499.0),
        ("750 rupees", 750.0),
        ("$ 2 million", None),
    ],
)
def test_amounts_normalize_to_rupees(text: str, rupees: float | None) -> None:
    assert ner.money_in_rupees(text) == rupees


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("last month", {"start": "2026-10-01", "end": "2026-10-31"}),
        ("yesterday", {"date": "2026-11-23"}),
        ("05/03/2026", {"date": "2026-03-05"}),  # day first, as written in India
        ("12 December", {"date": "2025-12-12"}),  # no year: the latest one not in the future
        ("March 2025", {"start": "2025-03-01", "end": "2025-03-31"}),
        ("December 30, 2011", {"date": "2011-12-30"}),
        ("past 3 months", {"start": "2026-08-01", "end": "2026-11-24"}),
        ("someday", None),
    ],
)
def test_dates_normalize_to_iso(text: str, value: dict[str, str] | None) -> None:
    assert ner.iso_date(text, TODAY) == value


def test_tokenizer_splits_indian_amounts_and_narrations() -> None:
    nlp = ner.make_nlp()
    assert [t.text for t in nlp("paid Rs.5000 via UPI/DR/4123/SWIGGY/swiggy@icici")] == [
        "paid", "Rs.", "5000", "via", "UPI", "/", "DR", "/", "4123", "/", "SWIGGY", "/", "swiggy@icici",
    ]  # fmt: skip


def test_generated_spans_match_their_text() -> None:
    for text, spans in ner_data.generate(300, seed=5):
        for s, e, label in spans:
            assert label in ner_data.LABELS and 0 <= s < e <= len(text) and text[s:e].strip() == text[s:e]


def test_trained_pipeline_finds_entities_with_values(tmp_path) -> None:
    nlp, _ = ner.train(ner_data.generate(800, seed=1), ner.NerConfig(epochs=8))
    nlp.to_disk(tmp_path / "p")
    loaded = ner.load(tmp_path / "p")
    test = ner_data.generate(200, seed=2)
    scores = ner.span_scores([g for _, g in test], ner.predict_spans(loaded, [t for t, _ in test]))
    assert scores["ALL"]["f1"] > 0.9
    found = ner.entities(loaded("send Rs 2 lakh to priya.s@okicici last month"), TODAY)
    by_label = {e["label"]: e for e in found}
    assert by_label["MONEY"]["value"] == 200000.0
    assert by_label["ACCOUNT"]["kind"] == "upi_id" and by_label["ACCOUNT"]["text"] == "priya.s@okicici"
    assert by_label["DATE"]["value"] == {"start": "2026-10-01", "end": "2026-10-31"}


def test_jsonl_errors_name_the_line(tmp_path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        json.dumps({"text": "pay 5k", "entities": [[4, 6, "MONEY"]]})
        + "\n"
        + '{"text": "x", "entities": [[0, 9, "MONEY"]]}\n'
    )
    with pytest.raises(SchemaError, match="line 2"):
        read_jsonl(path)
