"""The demo's "try it" lines are pasted into a shell: bash must read each body back intact,
apostrophes included (the advisor's example once broke the single-quoted body)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from rich.console import Console

from nivesh.local import demo, stack
from nivesh.local.processes import Process
from nivesh.local.servers import Served
from nivesh.settings import Workspace
from tests.fakes_http import serve_json

URL = "http://127.0.0.1:8080"  # nothing listens: the lines are only parsed here


@pytest.mark.slow
def test_every_try_line_gives_bash_the_exact_json_body() -> None:
    served = [
        Served(model, "v1.0.0", Process(model, cast("subprocess.Popen[bytes]", None), URL, Path("unused.log")), None)
        for model in demo.EXAMPLES
    ]
    lines = demo.try_lines(served)
    assert len(lines) == len(demo.EXAMPLES)
    assert any("'" in json.dumps(body) for body in demo.EXAMPLES.values())  # the case that broke
    for line, (model, body) in zip(lines, demo.EXAMPLES.items(), strict=True):
        assert line.startswith("curl ")
        # the same words bash would hand to curl, one per line
        words = subprocess.run(
            ["bash", "-c", "printf '%s\\n' " + line.removeprefix("curl ")], capture_output=True, text=True, check=True
        ).stdout.split("\n")
        assert f"http://127.0.0.1:8080/v2/models/{model}/infer" in words
        assert json.loads(words[words.index("-d") + 1]) == body


def test_the_alert_step_shows_only_this_demos_runs_and_a_cool_down_skip(tmp_path: Path) -> None:
    """A workspace keeps the runs of an earlier demo: they are not this demo's outcome, and a
    cool-down skip ends the wait at once (it once waited for a run that was never coming)."""
    runs = [
        {"id": 2, "model": "credit-risk", "trigger": "NiveshInputDrift", "status": "skipped-cooldown"},
        {"id": 1, "model": "credit-risk", "trigger": "NiveshQualityBelowRegistered", "status": "succeeded"},
    ]
    with serve_json(lambda method, path, *_: (200, runs)) as hook_url:
        firing = {"state": "firing", "labels": {"alertname": "NiveshInputDrift", "model": "credit-risk"}}
        loop = SimpleNamespace(
            alerts=lambda: [firing], prometheus=SimpleNamespace(url=URL), extra=[SimpleNamespace(url=hook_url)]
        )
        console = Console(record=True, width=200)
        started = time.monotonic()
        demo._show_alerts(Workspace(home=tmp_path), cast("stack.Stack", loop), 1, 6 * 3600.0, console)
    text = console.export_text()
    assert time.monotonic() - started < 30
    assert "6/7 alerts firing in Prometheus: NiveshInputDrift credit-risk" in text
    assert "6/7 retraining: NiveshInputDrift credit-risk -> skipped-cooldown (retrained less than 6 h ago)" in text
    assert "registered" not in text and "NiveshQualityBelowRegistered" not in text


def test_the_runs_line_sends_the_token_without_printing_it(tmp_path: Path) -> None:
    from nivesh import auth
    from nivesh.cluster.secrets import RETRAIN_TOKEN

    token_file = auth.local_token_file(Workspace(home=tmp_path / "a dir with 'quotes'"), RETRAIN_TOKEN)
    line = demo._bearer_curl(token_file, "http://127.0.0.1:8090/runs")
    token = token_file.read_text()
    assert token not in line
    words = subprocess.run(
        ["bash", "-c", "printf '%s\\n' " + line.removeprefix("curl ")], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert words[:4] == ["-s", "-H", f"Authorization: Bearer {token}", "http://127.0.0.1:8090/runs"]
