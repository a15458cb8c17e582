"""Speed of the issue-3 models, each beside its baseline in the same run.

    NIVESH_HOME=var .venv/bin/python benchmarks/model_speed.py [--intent-model DIR] [--duration 15]

Needs a workspace whose models are registered (after `make demo`, NIVESH_HOME=var).

- intent-classifier: requests/s and p95 through the KServe predictor (one text per
  request, wrk), ONNX Runtime int8 vs plain fp32 PyTorch of the same artifact;
- financial-ner: words/s through `nlp.pipe`, request p95 through the predictor;
- anomaly-detector: transactions scored per second in batch, request p95;
- spending-predictor: fit time per series (Prophet + LSTM + backtest) and users
  forecast per minute in one process;
- financial-advisor: offline (extractive) request p95 through the predictor, beside
  the same server answering refusals (guardrails only, no retrieval) as a floor.

Writes benchmarks/out/model_speed.json.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import common
import pandas as pd

from nivesh import catalog, features, registry
from nivesh.artifact import load_manifest
from nivesh.data import intents, ner, spending, transactions
from nivesh.families import anomaly, forecast
from nivesh.families import ner as ner_family
from nivesh.local import processes
from nivesh.local.servers import start_predictor
from nivesh.settings import Workspace

BANKING77_TEST = common.SHARED_DATA / "intent" / "test.csv"


def _text_bodies(texts: list[str]) -> list[dict]:
    return [{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [t]}]} for t in texts]


def _served(ws: Workspace, model: str, tmp: Path) -> Path:
    folder, _ = registry.download(ws, registry.resolve(ws, model, registry.STAGING), tmp / model)
    return folder


def intent(folder: Path, run: common.Wrk, logs: Path) -> dict[str, object]:
    texts = pd.read_csv(BANKING77_TEST)["text"].tolist()[:500] if BANKING77_TEST.is_file() else []
    texts = texts or intents.generate(500, seed=77).text.tolist()
    spec = catalog.INTENT_CLASSIFIER
    out: dict[str, object] = {
        "artifact": str(folder),
        "texts": "BANKING77 test" if BANKING77_TEST.is_file() else "generated",
    }
    for runtime in ("torch-fp32", "onnx-int8"):
        port = processes.free_port()
        proc = start_predictor(
            spec, folder, port, logs, env={"NIVESH_TEXT_RUNTIME": runtime, "NIVESH_PREDICTION_LOG": "false"}
        )
        try:
            out[runtime] = run(f"{proc.url}/v2/models/{spec.name}/infer", _text_bodies(texts), f"intent-{runtime}")
        finally:
            proc.stop()
    fp32, int8 = out["torch-fp32"], out["onnx-int8"]
    assert isinstance(fp32, dict) and isinstance(int8, dict)
    out["throughput_ratio_int8_vs_fp32"] = round(int8["rps"] / fp32["rps"], 2)
    return out


def ner_speed(folder: Path, run: common.Wrk, logs: Path, n_texts: int) -> dict[str, object]:
    texts = [t for t, _ in ner.generate(n_texts, seed=55)]
    nlp = ner_family.load(folder / load_manifest(folder).extra["pipeline_dir"])
    started = time.monotonic()
    list(nlp.pipe(texts, batch_size=64))
    seconds = time.monotonic() - started
    out: dict[str, object] = {"pipe_words_per_second": round(sum(len(t.split()) for t in texts) / seconds)}
    spec = catalog.FINANCIAL_NER
    proc = start_predictor(spec, folder, processes.free_port(), logs, env={"NIVESH_PREDICTION_LOG": "false"})
    try:
        out["request"] = run(f"{proc.url}/v2/models/{spec.name}/infer", _text_bodies(texts[:500]), "ner")
    finally:
        proc.stop()
    return out


def anomaly_speed(ws: Workspace, folder: Path, run: common.Wrk, logs: Path, batch_rows: int) -> dict[str, object]:
    detector = anomaly.load(folder)
    tx = pd.read_parquet(features.data_dir(ws) / "transactions.parquet")
    rows = transactions.assemble(tx.assign(**transactions.no_activity()), with_label=False)
    big = pd.concat([rows] * max(1, batch_rows // len(rows) + 1), ignore_index=True).iloc[:batch_rows]
    started = time.monotonic()
    detector.score(big)
    out: dict[str, object] = {"batch_rows_per_second": round(len(big) / (time.monotonic() - started))}
    spec = catalog.ANOMALY_DETECTOR
    inputs = [i for i in load_manifest(folder).signature["inputs"]]
    bodies = [
        {
            "inputs": [
                {"name": i["name"], "shape": [1], "datatype": i["datatype"], "data": [r[i["name"]]]} for i in inputs
            ]
        }
        for r in rows.head(500).to_dict("records")
    ]
    proc = start_predictor(spec, folder, processes.free_port(), logs, env={"NIVESH_PREDICTION_LOG": "false"})
    try:
        out["request"] = run(f"{proc.url}/v2/models/{spec.name}/infer", bodies, "anomaly")
    finally:
        proc.stop()
    return out


def spending_speed(ws: Workspace, folder: Path, users: int) -> dict[str, object]:
    lstm = forecast.LstmForecaster.load(folder)
    histories = pd.read_parquet(features.data_dir(ws) / "user_spend_history.parquet")[spending.HISTORY].tolist()[:users]
    seconds = []
    started = time.monotonic()
    for h in histories:
        months, values = spending.parse_history(h)
        seconds.append(forecast.forecast(lstm, months, values, 6).seconds)
    total = time.monotonic() - started
    return {
        "series": len(seconds),
        "fit_seconds_per_series_median": round(statistics.median(seconds), 2),
        "users_per_minute_one_process": round(len(seconds) / total * 60, 1),
    }


def advisor_speed(folder: Path, run: common.Wrk, logs: Path) -> dict[str, object]:
    from nivesh.advisor.corpus import corpus_records

    # every request distinct, so the server's question-embedding cache never hits
    asked = [q for r in corpus_records() for q in r["also_asked"]]
    questions = [f"{q} (I earn Rs {30_000 + 500 * i} a month)" for i in range(40) for q in asked]
    off_topic = ["Who will win the cricket world cup?", "Give me a recipe for dal makhani", "Write a poem about rain"]
    refused = [f"{q} #{i}" for i in range(1500) for q in off_topic]
    spec = catalog.FINANCIAL_ADVISOR
    url = f"/v2/models/{spec.name}/infer"
    out: dict[str, object] = {}
    proc = start_predictor(spec, folder, processes.free_port(), logs, env={"NIVESH_PREDICTION_LOG": "false"})
    try:
        for name, texts in (("refused (baseline: guardrails only)", refused), ("answered (extractive)", questions)):
            bodies = [{"inputs": [{"name": "question", "shape": [1], "datatype": "BYTES", "data": [t]}]} for t in texts]
            out[name] = run(f"{proc.url}{url}", bodies, f"advisor-{name.split()[0]}")
    finally:
        proc.stop()
    return out


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--intent-model", type=Path, default=None, help="an intent artifact dir (default: staging)")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument(
        "--texts", type=int, default=2000, help="NER texts piped (anomaly batch: ten times as many rows)"
    )
    args = parser.parse_args()
    if args.smoke:  # the registered models of NIVESH_HOME, one-second runs, a tenth of the batches
        args.duration, args.connections, args.users, args.texts = 1, 2, 2, 200
    ws = Workspace()
    logs = args.out / "logs"
    run = common.Wrk(args.duration, args.connections, args.out, warmup_s=1 if args.smoke else 3)
    results: dict[str, object] = {"wrk": run.describe(500)}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        intent_dir = args.intent_model or _served(ws, catalog.INTENT_CLASSIFIER.name, t)
        results["intent-classifier"] = intent(intent_dir, run, logs)
        results["financial-ner"] = ner_speed(_served(ws, catalog.FINANCIAL_NER.name, t), run, logs, args.texts)
        anomaly_dir = _served(ws, catalog.ANOMALY_DETECTOR.name, t)
        results["anomaly-detector"] = anomaly_speed(ws, anomaly_dir, run, logs, args.texts * 10)
        results["spending-predictor"] = spending_speed(ws, _served(ws, catalog.SPENDING_PREDICTOR.name, t), args.users)
        results["financial-advisor"] = advisor_speed(_served(ws, catalog.FINANCIAL_ADVISOR.name, t), run, logs)
    common.write(args, "model_speed", results)


if __name__ == "__main__":
    main()
