import subprocess

import pytest

from nivesh.catalog import MODELS
from nivesh.features import redis_connection_string
from tests.conftest import run_cli


def _nivesh(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=120)


@pytest.mark.slow
def test_unknown_model_is_one_clear_line() -> None:
    out = _nivesh("train", "credit-riks")
    assert out.returncode == 2
    assert "unknown model 'credit-riks'" in out.stderr and "credit-risk" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_data_file_says_how_to_fix(tmp_path) -> None:
    out = _nivesh("train", "credit-risk", "--data", str(tmp_path / "nope.csv"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    said = " ".join(out.stderr.replace("│", " ").split())  # rich wraps the message in a box
    assert "Invalid value for '--data'" in said and "does not exist" in said


@pytest.mark.parametrize("value", ["0", "two"])
def test_serve_refuses_a_worker_count_that_is_not_one_or_more_before_starting_anything(value: str) -> None:
    out = _nivesh("serve", "credit-risk", "--workers", value)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Invalid value for '--workers'" in " ".join(out.stderr.replace("│", " ").split())


def test_help_lists_the_commands() -> None:
    out = _nivesh("--help")
    for command in (
        "train",
        "pipeline",
        "serve",
        "monitor",
        "demo",
        "features",
        "generate",
        "render",
    ):
        assert command in out.stdout


@pytest.mark.slow
def test_every_model_has_a_trainer_pipeline_and_predictor() -> None:
    import importlib

    from nivesh.training import runs

    for spec in MODELS.values():  # the catalogue's entry points exist where it says
        assert importlib.util.find_spec(spec.trainer), spec.name
        assert importlib.util.find_spec(f"{spec.predictor}.__main__"), spec.name
        module, function = spec.pipeline.split(":")
        assert callable(getattr(importlib.import_module(module), function)), spec.name
        assert spec.name in runs.PIPELINES and runs.compiled_path(spec.name).is_file(), spec.name
        if spec.transformer:
            assert importlib.util.find_spec(f"{spec.transformer}.__main__"), spec.name


def test_redis_url_becomes_a_feast_connection_string() -> None:
    timeouts = "socket_timeout=1.0,socket_connect_timeout=1.0,retry=null"  # Feast JSON-decodes null: no retries
    assert redis_connection_string("redis://:s3cret@cache:6380/2") == f"cache:6380,db=2,{timeouts},password=s3cret"
    assert redis_connection_string("redis://127.0.0.1:6379") == f"127.0.0.1:6379,db=0,{timeouts}"
