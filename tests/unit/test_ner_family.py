import json
from datetime import date

import pytest

from nivesh.data import intents
from nivesh.data import ner as ner_data
from nivesh.data import text as handwritten
from nivesh.errors import SchemaError
from nivesh.families import ner, ner_dates, ner_eval
from nivesh.families import ner_grammar as grammar
from nivesh.families import ner_lexicon as lexicon
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
        ("5 hazaar", 5000.0),
        ("saadhe teen hazaar", 3500.0),
        ("do lakh", 200000.0),
        ("Rs:1,050.00", 1050.0),
        ("INR 1,12,340.00", 112340.0),
        ("700 bucks", 700.0),
        ("USD 20.00", None),
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
        ("12 December", {"date": "2026-12-12"}),  # no year: the latest one at most 45 days ahead
        ("12 February", {"date": "2026-02-12"}),
        ("March 2025", {"start": "2025-03-01", "end": "2025-03-31"}),
        ("December 30, 2011", {"date": "2011-12-30"}),
        ("past 3 months", {"start": "2026-08-01", "end": "2026-11-24"}),
        ("someday", None),
        ("05Nov25", {"date": "2025-11-05"}),
        ("2025-11-10T17:32:09", {"date": "2025-11-10"}),
        ("10-Nov-25", {"date": "2025-11-10"}),
        ("day after tomorrow", {"date": "2026-11-26"}),
        ("last Friday", {"date": "2026-11-20"}),  # Friday of last week (Mon-Sun weeks)
        ("next Monday", {"date": "2026-11-30"}),
        ("pichle hafte", {"start": "2026-11-16", "end": "2026-11-22"}),
        ("agle mahine", {"start": "2026-12-01", "end": "2026-12-31"}),
        ("FY24", {"start": "2023-04-01", "end": "2024-03-31"}),
        ("FY 2025-26", {"start": "2025-04-01", "end": "2026-03-31"}),
        ("AY 2025-26", {"start": "2024-04-01", "end": "2025-03-31"}),
        ("last financial year", {"start": "2025-04-01", "end": "2026-03-31"}),
        ("Q1 FY26", {"start": "2025-04-01", "end": "2025-06-30"}),
        ("this Diwali", {"date": "2026-11-08"}),
        ("Holi", {"date": "2026-03-04"}),
        ("JUL-SEP 2025", {"start": "2025-07-01", "end": "2025-09-30"}),
        ("kal", None),  # yesterday or tomorrow: no guess
    ],
)
def test_dates_normalize_to_iso(text: str, value: dict[str, str] | None) -> None:
    assert ner_dates.iso_date(text, TODAY) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rs.450.00 debited from A/c XX4521", [("Rs.450.00", "MONEY"), ("XX4521", "ACCOUNT")]),
        ("spent on card ending 4417 at", [("4417", "ACCOUNT")]),
        ("a/c *8812 and x4412 and xx9012", [("*8812", "ACCOUNT"), ("x4412", "ACCOUNT"), ("xx9012", "ACCOUNT")]),
        ("card XXXX XXXX XXXX 6789 used", [("XXXX XXXX XXXX 6789", "ACCOUNT")]),
        ("card 4315-XXXX-XXXX-7701 used", [("4315-XXXX-XXXX-7701", "ACCOUNT")]),
        ("to VPA swiggy@icici on 05NOV25", [("swiggy@icici", "ACCOUNT"), ("05NOV25", "DATE")]),
        ("IFSC HDFC0001234 ok", [("HDFC0001234", "ACCOUNT")]),
        ("on 2025-11-10T17:32:09 for", [("2025-11-10T17:32:09", "DATE")]),
        ("Avl bal INR 1,12,340.00", [("INR 1,12,340.00", "MONEY")]),
        ("rent ke liye 5 hazaar bhejo", [("5 hazaar", "MONEY")]),
        ("spent 500 on food", [("500", "MONEY")]),
        ("between 4 friends for 6 months at 7.1%", []),
        ("call 18002586161 ref 531478902211", []),
        ("pay it day after tomorrow", [("day after tomorrow", "DATE")]),
        ("in FY 2024-25 and AY 2025-26", [("FY 2024-25", "DATE"), ("AY 2025-26", "DATE")]),
        ("pichle hafte aur agle mahine", [("pichle hafte", "DATE"), ("agle mahine", "DATE")]),
        ("what I spent this Diwali", [("this Diwali", "DATE")]),
        ("diwali bonus aaya", []),
        ("may I pay now", []),
    ],
)
def test_grammar_finds_indian_formats(text: str, expected: list[tuple[str, str]]) -> None:
    found = ner.resolve(grammar.find(text))
    assert sorted((text[s:e], label) for s, e, label in found) == sorted(expected)


def test_rule_stage_prefers_gazetteer_names_and_skips_senders_and_banks() -> None:
    nlp = ner.make_nlp()
    ner.register()
    nlp.add_pipe(ner.RULES_PIPE)
    ents = lambda text: [(e.text, e.label_) for e in nlp(text).ents]  # noqa: E731
    assert ("ZOMATO LTD", "MERCHANT") in ents("UPI-ZOMATO LTD-zomato.payu@axisbank-UTIB0000001-531212345678")
    assert ("Apollo Pharmacy", "MERCHANT") in ents("PhonePe: Paid Rs 1,150 to Apollo Pharmacy")
    assert ("PhonePe", "MERCHANT") not in ents("PhonePe: Paid Rs 1,150 to Apollo Pharmacy")
    assert all(label != "MERCHANT" for _, label in ents("Kotak Mahindra Bank: Rs 500 debited"))
    assert ("groceries", "CATEGORY") in ents("how much on groceries at DMart")
    # names no list knows, found by where alerts and narrations print the payee
    assert ("SLEEPY OWL COFFEE", "MERCHANT") in ents("Rs 1,150 debited from a/c **5521 to SLEEPY OWL COFFEE. Avl")
    assert ("FANCODE", "MERCHANT") in ents("debited Rs 149.00 on 11Nov25 for FANCODE via UPI")
    assert ("NEEMANS", "MERCHANT") in ents("Dr INR 3,999.00 on 08/11/2025 POS NEEMANS BANGALORE")
    assert ("MUBI", "MERCHANT") in ents("VIN/MUBI/03-11-2025/899.00")
    assert ("Fancode", "MERCHANT") in ents("UPI/DR/531720003344/Fancode/UTIB/fancode@axisbank/Match pass")
    assert all(label != "MERCHANT" for _, label in ents("UPI/DR/531720003344/RAHUL SHARMA/SBIN/r@oksbi/dinner"))
    assert all(label != "MERCHANT" for _, label in ents("Rs 500 debited from A/c XX1234 to UPI on 12-11-25"))
    assert ents("UPI/DR/1/   /x") == []  # a blank payee slot is no merchant (and no crash)


def test_tokenizer_splits_indian_amounts_and_narrations() -> None:
    nlp = ner.make_nlp()
    assert [t.text for t in nlp("paid Rs.5000 via UPI/DR/4123/SWIGGY/swiggy@icici")] == [
        "paid", "Rs.", "5000", "via", "UPI", "/", "DR", "/", "4123", "/", "SWIGGY", "/", "swiggy@icici",
    ]  # fmt: skip


def test_generated_spans_match_their_text() -> None:
    for text, spans in ner_data.generate(300, seed=5):
        for s, e, label in spans:
            assert label in ner_data.LABELS and 0 <= s < e <= len(text) and text[s:e].strip() == text[s:e]


def test_held_out_merchants_and_frames_never_reach_training() -> None:
    unseen = {lexicon.normalize(n) for n in lexicon.unseen_merchants()}
    trained = {lexicon.normalize(n) for n in lexicon.training_merchants()}
    assert unseen and not unseen & trained
    merchants = {
        lexicon.normalize(t[s:e])
        for t, spans in ner_data.generate(600, seed=8)
        for s, e, lab in spans
        if lab == "MERCHANT"
    }
    assert not {m for m in merchants if m in unseen and m not in trained}
    assert len(lexicon.merchants()) > 1500


def test_handwritten_sets_parse_and_cover_every_kind() -> None:
    rows, _ = handwritten.ner_texts()
    assert len(rows) >= 400 and {r.kind for r in rows} == set(handwritten.NER_KINDS)
    for row in rows:
        for s, e, label in row.spans:
            assert label in ner_data.LABELS and row.text[s:e].strip() == row.text[s:e]
        for (s, e), value in row.values.items():
            label = next(lab for a, b, lab in row.spans if (a, b) == (s, e))
            if label == "MONEY":
                float(value)
            else:
                [date.fromisoformat(v) for v in value.split("..")]
    training = handwritten.ner_training_texts()
    assert training and not {r.text for r in training} & {r.text for r in rows}  # the gate stays unseen
    queries = handwritten.intent_queries()
    assert len(queries) >= 300 and {i for _, i in queries} <= set(intents.INTENTS)
    with pytest.raises(ValueError, match="unknown label"):
        handwritten.parse_marked("[Rs 5](MONY)")


def test_trained_pipeline_finds_entities_with_values(tmp_path) -> None:
    nlp, _ = ner.train(ner_data.generate(800, seed=1), ner.NerConfig(epochs=8))
    nlp.to_disk(tmp_path / "p")
    loaded = ner.load(tmp_path / "p")
    test = ner_data.generate(200, seed=2)
    scores = ner.span_scores([g for _, g in test], ner.predict_spans(loaded, [t for t, _ in test]))
    assert scores["ALL"]["f1"] > 0.9
    assert ner_eval.handwritten_report(loaded)["f1"]["ALL"] > 0.85  # people's text, not the generator's
    assert loaded.get_pipe(ner.RULES_PIPE).common  # the everyday-word list travels with the pipeline
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
