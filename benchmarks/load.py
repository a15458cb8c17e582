"""Load benchmark with wrk: (a) credit-risk predictor alone, (b) transformer + Feast +
predictor, and the baseline (c) the same XGBoost booster served by Seldon MLServer over v2,
all measured in one run on this machine.

    .venv/bin/python benchmarks/load.py [--duration 20] [--connections 8]

Writes benchmarks/out/load.json and prints a Markdown table for RESULTS.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common

from nivesh import features, registry
from nivesh.catalog import CREDIT_RISK
from nivesh.data.credit_risk import assemble_columns
from nivesh.families.xgb_classifier import ClassifierModel
from nivesh.local import processes, traffic
from nivesh.local import workspace as scratch
from nivesh.local.servers import serve
from nivesh.settings import Workspace
from nivesh.training import steps

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BENCH_VENV = HERE.parent / ".venv-bench"
NAME = CREDIT_RISK.name
APPLICATIONS = 500  # distinct applications (and users) each scenario cycles through


def workspace(root: Path, users: int) -> Workspace:
    """A fresh workspace with `users` users applied, materialized and a registered model; the
    servers started later find it through the environment."""
    shutil.rmtree(root, ignore_errors=True)
    ws = scratch.ready(scratch.generated(root, users))
    os.environ.update({"NIVESH_HOME": str(ws.home), "NIVESH_FEATURE_REPO": str(ws.feature_repo)})
    os.environ.pop("NIVESH_REDIS_URL", None)
    prepared = steps.prepare(NAME, ws)
    art = steps.fit(NAME, prepared.train, prepared.label, root / "artifact")
    steps.publish(NAME, art, steps.assess(NAME, art, prepared.test, prepared.label).evaluation.metrics, ws)
    return ws


def mlserver(model_dir: Path, out: Path) -> processes.Process:
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
    folder = out / "mlserver"
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
        out / "mlserver.log",
        timeout=180,
    )


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: sudo apt-get install wrk")
    if args.smoke:  # seconds: a small workspace, one-second runs, no MLServer to install
        args.duration, args.connections = 1, 2
    applications = 50 if args.smoke else APPLICATIONS
    ws = workspace(args.out / "ws", 300 if args.smoke else 3000)
    version = registry.resolve(ws, NAME)
    served = serve(NAME, ws)
    model_dir = registry.download(ws, version, ws.path("bench-model"))[0]
    baseline = None if args.smoke else mlserver(model_dir, args.out)
    measure = common.Wrk(args.duration, args.connections, args.out, warmup_s=1 if args.smoke else 3)

    try:
        rows = traffic.sample_applications(ws, applications, seed=11)
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
            "a_predictor": measure(served.predictor.url + infer, predictor_bodies, "predictor"),
            "b_transformer_feast_predictor": measure(served.endpoint + infer, transformer_bodies, "transformer"),
        }
        if baseline is not None:
            results = {"baseline_mlserver": measure(baseline.url + infer, baseline_bodies, "baseline"), **results}
    finally:
        served.stop()
        if baseline is not None:
            baseline.stop()
    b = results["b_transformer_feast_predictor"]
    summary: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "wrk": measure.describe(applications),
        "results": results,
        "slo_p95_under_200ms": b["p95_ms"] < 200,
    }
    if "baseline_mlserver" in results:
        base = results["baseline_mlserver"]
        summary |= {
            "b_rps_over_baseline": b["rps"] / base["rps"],
            "b_p99_over_baseline": b["p99_ms"] / base["p99_ms"],
            "targets_met": {
                "b_rps_at_least_baseline": b["rps"] >= base["rps"],
                "b_p99_under_2x_baseline": b["p99_ms"] < 2 * base["p99_ms"],
            },
        }
    common.write(args, "load", summary)
    print("| setup | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for key, r in results.items():
        print(f"| {key} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} |")


if __name__ == "__main__":
    main()
