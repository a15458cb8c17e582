"""Load benchmark with wrk, every setup beside the baseline in one run on this machine:

- baseline: the same XGBoost booster served by Seldon MLServer (v2, bare model, no log)
- a_predictor: our credit-risk predictor alone (the transformer's tensors in), request logged,
  with the catalogue's serving processes (ModelSpec.workers, KServe's --workers); started as
  its two twins below are, not the predictor behind b's transformer
- a_predictor_no_log: the same with NIVESH_PREDICTION_LOG=false (what the log costs)
- a_predictor_again: a second a_predictor, the control (what the benchmark resolves)
- a_predictor_1_worker: a_predictor in one serving process
- b_transformer_feast_predictor: user_id + loan in, Feast in the transformer, two hops
- c_one_process: user_id + loan in, the predictor reads Feast itself (--feature_join=feast),
  with the catalogue's serving processes
- c_one_process_no_log: the same without the log
- c_one_process_1_worker: c in one serving process
- c_one_process_grpc: c over gRPC (a Python grpc.aio generator: wrk has no gRPC)

Each setup runs `--runs` times, the rounds interleaved, each round starting one setup later
(no setup always follows the same one); the table shows the median and the spread, and the CPU
the server's processes spent per request (/proc ticks), counted until they are idle again: a log
writer still writing a run's rows after it is charged to that run, not to the next. The log's
cost is given both as throughput lost and as its share of the CPU a request (`log_cost`), each
the median of the rounds' own figures: in every round a logged server and its log-off twin take
turns (with a_predictor_again, the predictor's control), `duration` seconds each in TWIN_SLICES
runs (ABC CBA ...), the unit's order reversed in odd rounds, and each one's runs are pooled
(requests over time, latencies' histograms together). `identical_predictors` gives the same
figures for a_predictor against a_predictor_again: what the benchmark cannot resolve. Each
cost's `parts` say where it goes: the log writer processes' CPU, the serving processes' extra
CPU, and the bytes the writers send to the disk a request (common.usage). A server's workers
share one port and the kernel hashes each of wrk's connections to one of them: every run of a
server of several processes is measured with its connections even over them ("4/4"), a run
that starts uneven stopped and started again (`uneven_starts`; common._slice says why). The
rows of one serving process, and MLServer's, are not affected.

    .venv/bin/python benchmarks/load.py [--duration 20] [--connections 8] [--runs 3]

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
from nivesh.local.servers import serve, start_predictor
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


NO_LOG = {"NIVESH_PREDICTION_LOG": "false"}


def grpc_load(
    target: str, bodies: list[dict[str, Any]], clients: int, duration: float, pids: list[int]
) -> dict[str, Any]:
    """wrk has no gRPC: `clients` concurrent callers on one grpc.aio channel send prebuilt
    ModelInferRequest messages (the same bodies) for `duration` seconds. The generator is
    Python, so its req/s and latency are a floor; the server's CPU per request is comparable
    with the REST rows'."""
    import asyncio
    import time

    import grpc
    from kserve.protocol.grpc.grpc_predict_v2_pb2_grpc import GRPCInferenceServiceStub
    from kserve.protocol.infer_type import InferInput, InferRequest

    # gRPC tensors have no null: the applications with a missing value are REST's alone
    complete = [b for b in bodies if all(v is not None for t in b["inputs"] for v in t["data"])]
    messages = [
        InferRequest(NAME, [InferInput(t["name"], t["shape"], t["datatype"], t["data"]) for t in b["inputs"]]).to_grpc()
        for b in complete
    ]

    async def run(seconds: float) -> tuple[list[float], int]:
        latencies: list[float] = []
        errors = 0
        async with grpc.aio.insecure_channel(target) as channel:
            stub = GRPCInferenceServiceStub(channel)
            deadline = time.perf_counter() + seconds

            async def caller(k: int) -> None:
                nonlocal errors
                i = k
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    try:
                        await stub.ModelInfer(messages[i % len(messages)], timeout=5)
                        latencies.append(time.perf_counter() - start)
                    except grpc.RpcError:
                        errors += 1
                    i += clients

            await asyncio.gather(*(caller(k) for k in range(clients)))
        return latencies, errors

    asyncio.run(run(min(3.0, duration)))  # warm-up
    common.settle(pids)
    before = common.cpu_seconds(pids)
    started = time.perf_counter()
    latencies, errors = asyncio.run(run(duration))
    elapsed = time.perf_counter() - started
    common.settle(pids)  # as common.wrk: the run's queued log rows are its cost
    if errors:
        raise SystemExit(f"gRPC: {errors} failed calls")
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "cpu_ms_per_request": (common.cpu_seconds(pids) - before) * 1000 / max(len(ordered), 1),
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of each figure over the runs, with the spread (min, max) of req/s and p99."""
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "cpu_ms_per_request")
    out: dict[str, Any] = {k: median([r[k] for r in runs]) for k in keys if all(k in r for r in runs)}
    out["rps_range"] = [min(r["rps"] for r in runs), max(r["rps"] for r in runs)]
    out["p99_range"] = [min(r["p99_ms"] for r in runs), max(r["p99_ms"] for r in runs)]
    out["runs"] = runs
    return out


# The log's cost is read off twins, the same server with the log on and off, measured in turns
# (common.alternating) in each round; the cost is the median of the rounds' own ratios. The host's
# speed drifts by 20-30 % between rounds and by 10-20 % from one 20 s run to the next, more than
# the effect measured. The predictor's unit holds a control, a second logged predictor: what it
# differs by from the first is what the benchmark cannot resolve.
TURNS = (("a_predictor", "a_predictor_no_log", "a_predictor_again"), ("c_one_process", "c_one_process_no_log"))
# Each twin's `duration` in this many runs: 2 s turns at the default 20 s. In 5 s turns (4 a
# round), stop 34's twins still differed by -9 to +13 % from round to round; in 2 s turns,
# identical predictors differed by 0.4-1.3 %.
TWIN_SLICES = 10


def round_order(names: list[str], k: int) -> list[list[str]]:
    """Round k's setups, in units measured in turns: rotated by k, so that no setup always
    follows the same one, each logged server with its log-off twin (and control), the order
    within a unit reversed in odd rounds."""
    grouped = {name for unit in TURNS for name in unit}
    units = [list(unit) for unit in TURNS if unit[0] in names]
    units += [[name] for name in names if name not in grouped]
    units.sort(key=lambda unit: names.index(unit[0]))
    shift = k % len(units)
    return [unit[::-1] if k % 2 else unit for unit in units[shift:] + units[:shift]]


def log_cost(logged: list[dict[str, Any]], unlogged: list[dict[str, Any]]) -> dict[str, Any]:
    """What the log costs, round by round: the throughput lost, and the share of the server's
    CPU a request that is the log's; each the median over the rounds. With every core busy the
    two agree. Of two identical servers, the same figures say what the benchmark resolves.

    `parts` splits the CPU share in two that add up to `cpu`, each beside the twin's own (so a
    control's are near 0): the log writer processes' own CPU, and what the serving processes
    spend beyond their twin's (the records, and sharing the cores with the writers). The
    kernel's writeback of the writers' disk bytes (`disk_bytes` a request) falls on neither."""
    pairs = list(zip(logged, unlogged, strict=True))
    throughput = [1 - a["rps"] / b["rps"] for a, b in pairs]
    cpu = [1 - b["cpu_ms_per_request"] / a["cpu_ms_per_request"] for a, b in pairs]
    writers = [
        (a["log_writer_cpu_ms_per_request"] - b["log_writer_cpu_ms_per_request"]) / a["cpu_ms_per_request"]
        for a, b in pairs
    ]
    serving = [c - w for c, w in zip(cpu, writers, strict=True)]
    disk = [a["log_writer_disk_bytes_per_request"] - b["log_writer_disk_bytes_per_request"] for a, b in pairs]
    parts = {"log_writers_cpu": writers, "serving_cpu": serving, "disk_bytes": disk}
    return {
        "throughput": median(throughput),
        "cpu": median(cpu),
        "parts": {name: median(values) for name, values in parts.items()},
        "rounds": {"throughput": throughput, "cpu": cpu, **parts},
    }


def bodies_for(ws: Workspace, model_dir: Path, applications: int) -> dict[str, list[dict[str, Any]]]:
    """The same applications as each setup takes them: the client's request (user_id + loan),
    the predictor's tensors (what the transformer sends it) and MLServer's encoded matrix."""
    rows = traffic.sample_applications(ws, applications, seed=11)
    model = ClassifierModel(model_dir)
    store = features.open_store(ws)
    assert CREDIT_RISK.feature_service
    service = store.get_feature_service(CREDIT_RISK.feature_service)
    out: dict[str, list[dict[str, Any]]] = {"client": [], "predictor": [], "baseline": []}
    for i in range(len(rows)):
        row = rows.iloc[[i]]
        out["client"].append(traffic.v2_body(row))
        online = features.online(store, service, "user_id", row["user_id"].tolist())
        cols = assemble_columns({**online, **{k: row[k].tolist() for k in CREDIT_RISK.request_fields}})
        out["predictor"].append(
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
        out["baseline"].append(
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
    return out


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: sudo apt-get install wrk")
    if args.smoke:  # seconds: a small workspace, one-second runs, no MLServer to install
        args.duration, args.connections, args.runs = 1, 2, 1
    slices = 2 if args.smoke else TWIN_SLICES
    applications = 50 if args.smoke else APPLICATIONS
    ws = workspace(args.out / "ws", 300 if args.smoke else 3000)
    version = registry.resolve(ws, NAME)
    model_dir = registry.download(ws, version, ws.path("bench-model"))[0]
    bodies = bodies_for(ws, model_dir, applications)
    measure = common.Wrk(args.duration, args.connections, args.out, warmup_s=1 if args.smoke else 3)
    infer = f"/v2/models/{NAME}/infer"
    logs = ws.path("logs")
    started: list[processes.Process] = []
    try:
        workers = CREDIT_RISK.workers
        two = serve(NAME, ws, feature_join="transformer", workers=workers)
        started += two.processes
        one = serve(NAME, ws, feature_join="one-process", workers=workers)
        started += one.processes

        def predictor(env: dict[str, str] | None, feature_join: bool, count: int = workers) -> processes.Process:
            port = processes.free_port()
            started.append(start_predictor(CREDIT_RISK, model_dir, port, logs, env, feature_join, count))
            return started[-1]

        # the a_ trio started alike, so that only the log differs: the predictor behind the
        # transformer also serves the b_ turns (stop 37: the control leaned the same way after)
        logged, again = predictor(None, False), predictor(None, False)
        bare, one_bare = predictor(NO_LOG, False), predictor(NO_LOG, True)
        single, one_single = predictor(None, False, 1), predictor(None, True, 1)

        def target(name: str, url: str, body: str, pids: list[int], count: int) -> common.Target:
            """A setup as wrk loads it; `count`: its serving processes on that port."""
            return common.Target(url + infer, bodies[body], name, pids, count)

        setups = {
            t.label: t
            for t in (
                target("a_predictor", logged.url, "predictor", [logged.popen.pid], workers),
                target("a_predictor_no_log", bare.url, "predictor", [bare.popen.pid], workers),
                target("a_predictor_again", again.url, "predictor", [again.popen.pid], workers),
                target("a_predictor_1_worker", single.url, "predictor", [single.popen.pid], 1),
                target(
                    "b_transformer_feast_predictor", two.endpoint, "client", [p.popen.pid for p in two.processes], 1
                ),
                target("c_one_process", one.endpoint, "client", [one.predictor.popen.pid], workers),
                target("c_one_process_no_log", one_bare.url, "client", [one_bare.popen.pid], workers),
                target("c_one_process_1_worker", one_single.url, "client", [one_single.popen.pid], 1),
            )
        }
        if not args.smoke:
            baseline = mlserver(model_dir, args.out)
            started.append(baseline)
            setups = {
                "baseline_mlserver": target("baseline_mlserver", baseline.url, "baseline", [baseline.popen.pid], 1)
            } | setups
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in setups}
        assert one.grpc_endpoint
        runs["c_one_process_grpc"] = []
        for k in range(args.runs):  # rounds interleaved: a slow minute of the machine hits every setup
            for unit in round_order(list(setups), k):
                targets = [setups[n] for n in unit]
                turns = slices if len(targets) > 1 else 1  # a setup alone: one run of `duration`
                for t, result in zip(targets, measure.alternating(targets, turns), strict=True):
                    runs[t.label].append(result)
            grpc_pids = [one.predictor.popen.pid]
            runs["c_one_process_grpc"].append(
                grpc_load(one.grpc_endpoint, bodies["client"], args.connections, args.duration, grpc_pids)
            )
    finally:
        processes.stop_all(started)
    results = {name: summarise(r) for name, r in runs.items()}
    summary: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "workers": f"{CREDIT_RISK.workers} serving processes (ModelSpec.workers) unless the row says 1",
        "wrk": measure.describe(applications)
        + f", {args.runs} run(s) per setup, rounds interleaved; the twins in {slices} alternating runs each",
        "results": results,
        "slo_p95_under_200ms": results["c_one_process"]["p95_ms"] < 200,
        "log_cost_predictor": log_cost(runs["a_predictor"], runs["a_predictor_no_log"]),
        "log_cost_one_process": log_cost(runs["c_one_process"], runs["c_one_process_no_log"]),
        "identical_predictors": log_cost(runs["a_predictor"], runs["a_predictor_again"]),
    }
    if "baseline_mlserver" in results:
        base = results["baseline_mlserver"]
        ratio = {name: r["rps"] / base["rps"] for name, r in results.items()}
        summary |= {
            "rps_over_baseline": ratio,
            "p99_over_baseline": {name: r["p99_ms"] / base["p99_ms"] for name, r in results.items()},
            "targets_met": {
                "one_process_rps_at_least_baseline": ratio["c_one_process"] >= 1.0,
                "one_process_p99_at_most_2x_baseline": results["c_one_process"]["p99_ms"] <= 2 * base["p99_ms"],
                "predictor_rps_at_least_1.3x_baseline": ratio["a_predictor"] >= 1.3,
                "one_process_log_costs_at_most_5_percent": summary["log_cost_one_process"]["throughput"] <= 0.05,
                "predictor_log_costs_at_most_5_percent": summary["log_cost_predictor"]["throughput"] <= 0.05,
            },
        }
    common.write(args, "load", summary)
    print("| setup | req/s (min-max) | p50 ms | p95 ms | p99 ms (min-max) | CPU ms/request |")
    print("|---|---|---|---|---|---|")
    for key, r in results.items():
        lo, hi = r["rps_range"]
        p_lo, p_hi = r["p99_range"]
        print(
            f"| {key} | {r['rps']:.0f} ({lo:.0f}-{hi:.0f}) | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
            f"{r['p99_ms']:.2f} ({p_lo:.1f}-{p_hi:.1f}) | {r.get('cpu_ms_per_request', float('nan')):.2f} |"
        )
    print("\n| the log's cost | throughput lost | CPU share | of it: writers | of it: serving | disk B/request |")
    print("|---|---|---|---|---|---|")
    for key in ("log_cost_predictor", "log_cost_one_process", "identical_predictors"):
        c, parts = summary[key], summary[key]["parts"]
        print(
            f"| {key} | {c['throughput']:.1%} | {c['cpu']:.1%} | {parts['log_writers_cpu']:.1%} | "
            f"{parts['serving_cpu']:.1%} | {parts['disk_bytes']:.0f} |"
        )


if __name__ == "__main__":
    main()
