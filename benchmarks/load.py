"""Load benchmark with wrk: (a) credit-risk predictor alone, (b) transformer + Feast +
predictor, and the baseline (c) the same XGBoost booster served by Seldon MLServer over v2,
all measured in one run on this machine.

    .venv/bin/python benchmarks/load.py [--duration 20] [--connections 8]

Writes benchmarks/out/load.json and prints a Markdown table for RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from nivesh import features, registry
from nivesh.catalog import CREDIT_RISK
from nivesh.data.credit_risk import assemble_columns, generate
from nivesh.families.xgb_classifier import ClassifierModel
from nivesh.local import processes, traffic
from nivesh.local.servers import serve
from nivesh.settings import Workspace
from nivesh.training import steps

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BENCH_VENV = HERE.parent / ".venv-bench"
NAME = CREDIT_RISK.name
APPLICATIONS = 500  # distinct applications (and users) each scenario cycles through


def workspace() -> Workspace:
    """A fresh workspace with 3000 users applied, materialized and a registered model."""
    root = OUT / "ws"
    shutil.rmtree(root, ignore_errors=True)
    repo = root / "feature_repo"
    shutil.copytree(HERE.parent / "feature_repo", repo, ignore=shutil.ignore_patterns("data", "__pycache__"))
    os.environ.update({"NIVESH_HOME": str(root / "var"), "NIVESH_FEATURE_REPO": str(repo)})
    os.environ.pop("NIVESH_REDIS_URL", None)
    ws = Workspace()
    generate(3000, end=datetime.now(UTC).replace(microsecond=0)).write(features.data_dir(ws))
    features.apply(ws)
    features.materialize(ws)
    prepared = steps.prepare(NAME, ws)
    art = steps.fit(NAME, prepared.train, prepared.label, root / "artifact")
    steps.publish(NAME, art, steps.assess(NAME, art, prepared.test, prepared.label).evaluation.metrics, ws)
    return ws


def mlserver(model_dir: Path) -> processes.Process:
    """The baseline: MLServer's XGBoost runtime on the same model.json, in-process inference."""
    if not (BENCH_VENV / "bin" / "mlserver").exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True, timeout=120)
        uv = Path(sys.executable).with_name("uv")
        subprocess.run(
            [
                str(uv),
                "pip",
                "install",
                "-q",
                "--python",
                str(BENCH_VENV / "bin" / "python"),
                "--require-hashes",
                "-r",
                str(HERE / "requirements-mlserver.lock"),
            ],
            check=True,
            timeout=900,
        )
    folder = OUT / "mlserver"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / NAME).mkdir(parents=True)
    shutil.copy(model_dir / "model.json", folder / NAME / "model.json")
    http, grpc, metrics = processes.free_port(), processes.free_port(), processes.free_port()
    (folder / "settings.json").write_text(
        json.dumps(
            {
                "http_port": http,
                "grpc_port": grpc,
                "metrics_port": metrics,
                "parallel_workers": 0,
                "host": "127.0.0.1",
                "debug": False,
            }
        )
    )
    (folder / NAME / "model-settings.json").write_text(
        json.dumps(
            {
                "name": NAME,
                "implementation": "mlserver_xgboost.XGBoostModel",
                "parameters": {"uri": "./model.json", "version": "v1"},
            }
        )
    )
    return processes.start(
        "mlserver",
        [str(BENCH_VENV / "bin" / "mlserver"), "start", str(folder)],
        f"http://127.0.0.1:{http}",
        f"/v2/models/{NAME}/ready",
        OUT / "mlserver.log",
        timeout=180,
    )


def wrk(url: str, bodies: list[dict], duration: int, connections: int, label: str) -> dict:
    """Warm up 3 s, then measure; a run with any error or non-2xx answer is refused."""
    body_file = OUT / f"{label}.jsonl"
    body_file.write_text("\n".join(json.dumps(b, separators=(",", ":")) for b in bodies) + "\n")
    for body in bodies[:5]:
        httpx.post(url, json=body, timeout=10).raise_for_status()
    env = {**os.environ, "WRK_BODY_FILE": str(body_file)}
    script = str(HERE / "wrk_report.lua")
    base = ["wrk", "-t1", f"-c{connections}", "--timeout", "5s", "-s", script, url]
    subprocess.run([*base[:1], "-d3s", *base[1:]], env=env, capture_output=True, check=True, timeout=60)
    out = subprocess.run(
        [*base[:1], f"-d{duration}s", *base[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    if stats["errors"] or stats["non2xx"]:
        raise SystemExit(f"{label}: {stats['errors']} errors, {stats['non2xx']} non-2xx answers")
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: sudo apt-get install wrk")
    OUT.mkdir(exist_ok=True)
    ws = workspace()
    version = registry.resolve(ws, NAME)
    served = serve(NAME, ws)
    model_dir = registry.download(ws, version, ws.path("bench-model"))[0]
    baseline = mlserver(model_dir)
    try:
        rows = traffic.sample_applications(ws, APPLICATIONS, seed=11)
        transformer_bodies, predictor_bodies, baseline_bodies = [], [], []
        model = ClassifierModel(model_dir)
        store = features.open_store(ws)
        assert CREDIT_RISK.feature_service
        service = store.get_feature_service(CREDIT_RISK.feature_service)
        for i in range(len(rows)):
            row = rows.iloc[[i]]
            transformer_bodies.append(traffic.v2_body(row))
            # the predictor's input for the same application: what the transformer sends it
            online = features.online(store, service, "user_id", row["user_id"].tolist())
            cols = assemble_columns({**online, **{k: row[k].tolist() for k in CREDIT_RISK.request_fields}})
            predictor_bodies.append(
                {
                    "inputs": [
                        {
                            "name": f.name,
                            "shape": [1],
                            "datatype": f.v2_datatype,
                            "data": [None if isinstance(v, float) and v != v else v for v in cols[f.name]],
                        }
                        for f in model.encoder.features
                    ]
                }
            )
            matrix = model.encoder.encode(cols)
            baseline_bodies.append(
                {
                    "inputs": [
                        {
                            "name": "input-0",
                            "shape": list(matrix.shape),
                            "datatype": "FP32",
                            "data": [[None if v != v else float(v) for v in matrix[0]]],
                        }
                    ]
                }
            )
        infer = f"/v2/models/{NAME}/infer"
        results = {
            "baseline_mlserver": wrk(
                baseline.url + infer, baseline_bodies, args.duration, args.connections, "baseline"
            ),
            "a_predictor": wrk(
                served.predictor.url + infer,
                predictor_bodies,
                args.duration,
                args.connections,
                "predictor",
            ),
            "b_transformer_feast_predictor": wrk(
                served.endpoint + infer,
                transformer_bodies,
                args.duration,
                args.connections,
                "transformer",
            ),
        }
    finally:
        served.stop()
        baseline.stop()
    base = results["baseline_mlserver"]
    b = results["b_transformer_feast_predictor"]
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "wrk": f"-t1 -c{args.connections} -d{args.duration}s after a 3 s warm-up, {APPLICATIONS} bodies in turn",
        "results": results,
        "b_rps_over_baseline": b["rps"] / base["rps"],
        "b_p99_over_baseline": b["p99_ms"] / base["p99_ms"],
        "targets_met": {
            "b_rps_at_least_baseline": b["rps"] >= base["rps"],
            "b_p99_under_2x_baseline": b["p99_ms"] < 2 * base["p99_ms"],
            "slo_p95_under_200ms": b["p95_ms"] < 200,
        },
    }
    (OUT / "load.json").write_text(json.dumps(summary, indent=2))
    print("| setup | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for key, r in results.items():
        print(f"| {key} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} |")
    print(f"\n(b)/baseline: {summary['b_rps_over_baseline']:.2f}x req/s, p99 {summary['b_p99_over_baseline']:.2f}x")
    print(json.dumps(summary["targets_met"]))
    time.sleep(0)


if __name__ == "__main__":
    main()
