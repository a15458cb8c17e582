"""The whole loop as `make demo` runs it, driven as a user drives it: the CLI in a child
process, its servers left running, and every `curl` line it prints pasted into bash.

The demo serves the versions the session's pipelines registered (`--reuse-registered`), so
no model is trained twice in a test session; the pipelines themselves are covered where
they ran (tests/integration), and the retraining run an alert starts by the alert loop's
test (tests/e2e/test_alert_loop.py): here the alert meets the webhook's cool-down."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from nivesh.catalog import CREDIT_RISK, MODELS
from nivesh.retraining import records
from nivesh.settings import StoreSettings, Workspace
from nivesh.store.tables import retraining_runs

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(2400)]
READY = "Servers keep running"
READY_WITHIN_S = 1800


def _start_demo(ws: Workspace, cwd: Path) -> tuple[subprocess.Popen[str], list[str], threading.Event]:
    """`nivesh demo` in the session workspace; a thread collects its output lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIVESH_", "MLFLOW_"))}
    env.update({"NIVESH_HOME": str(ws.home), "NIVESH_FEATURE_REPO": str(ws.feature_repo)})
    proc = subprocess.Popen(
        [sys.executable, "-c", "from nivesh.cli import main; main()", "demo", "--users", "1500", "--reuse-registered"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,  # its own process group: what it started can be cleaned up with it
    )
    lines: list[str] = []
    ready = threading.Event()

    def collect() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if READY in line:
                ready.set()
        ready.set()  # the process ended: nothing more will come

    threading.Thread(target=collect, daemon=True).start()
    return proc, lines, ready


def test_demo_runs_the_whole_loop_and_its_lines_work_in_a_shell(
    workspace: Workspace, trained: Callable[[str], object], tmp_path: Path
) -> None:
    for model in MODELS:  # the session's registered versions, which the demo serves
        trained(model)
    # credit-risk was retrained a moment ago (tests/e2e/test_alert_loop.py covers such a run):
    # the demo's drift alert meets the cool-down instead of repeating that run
    log = records.RetrainingLog(StoreSettings().resolved_url(workspace))
    recent = log.add(
        records.Trigger(CREDIT_RISK.name, "NiveshInputDrift", "earlier", "a test"), records.SUCCEEDED, records.now()
    )
    proc, lines, ready = _start_demo(workspace, tmp_path)
    try:
        ready.wait(READY_WITHIN_S)
        text = "\n".join(lines)
        assert proc.poll() is None and READY in text, text[-4000:]
        for step in ("1/7 data", "2/7 features", "4/7 serving", "5/7 traffic", "6/7 monitor", "7/7 ready"):
            assert step in text, text[-3000:]
        for model in MODELS:  # every model served, asked and monitored
            assert re.search(rf"3/7 pipeline: reusing {model} v1\.\d+\.\d+, registered as staging", text), text[-3000:]
            assert re.search(
                rf"v2 endpoint \((transformer|predictor)\): POST http://127\.0\.0\.1:\d+/v2/models/{model}/infer", text
            )
            assert f"5/7 traffic {model}: normal" in text and f"6/7 monitor {model}:" in text
        # the loop in short: the drift alert fires in Prometheus and reaches the webhook
        assert re.search(r"6/7 alerts firing in Prometheus: .*NiveshInputDrift credit-risk", text), text[-3000:]
        assert "6/7 retraining: NiveshInputDrift credit-risk -> skipped-cooldown" in text, text[-3000:]
        assert not re.search(r"6/7 retraining: .* -> registered", text)  # only this demo's alerts' runs are shown
        drift = re.search(r"6/7 monitor credit-risk: drift share (\d\.\d+)", text)
        assert drift and float(drift.group(1)) > 0.3  # the shifted half of the traffic is noticed
        assert list((workspace.home / "reports" / "credit-risk").glob("drift-*.html"))
        # what a user copies: each `curl` line of "try it", pasted into bash, gets an answer
        [runs_line] = [m.group(1) for line in lines if (m := re.match(r"retraining runs:\s+(curl .*)$", line))]
        out = subprocess.run(["bash", "-c", runs_line], capture_output=True, text=True, timeout=60)
        assert any(r["status"] == records.COOLDOWN for r in json.loads(out.stdout)), (runs_line, out.stdout)
        pasted = [line.strip() for line in lines if line.strip().startswith("curl ")]
        asked = {m.group(1) for line in pasted if (m := re.search(r"/v2/models/([a-z-]+)/infer", line))}
        assert asked == set(MODELS), pasted
        for line in pasted:
            out = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, (line, out.stderr)
            body = json.loads(out.stdout)
            assert body.get("outputs") and "error" not in body, (line, out.stdout[:500])
    finally:
        with log.engine.begin() as conn:  # the session's later tests see the runs as they were
            conn.execute(retraining_runs.delete().where(retraining_runs.c.id == recent))
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the demo stops its servers
        try:
            proc.wait(120)  # twelve servers and the Prometheus tools, each given time to stop
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        # whatever it left behind (it was killed, or a stop failed) must not outlive the test:
        # a server or Prometheus from here would hold memory and ports for the rest of the run
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode is not None
