"""The demo's "try it" lines are pasted into a shell: bash must read each body back intact,
apostrophes included (the advisor's example once broke the single-quoted body)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import cast

import pytest

from nivesh.local import demo
from nivesh.local.processes import Process
from nivesh.local.servers import Served

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
