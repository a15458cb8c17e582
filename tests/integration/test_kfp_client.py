"""The real kfp.Client against a local stand-in of the KFP v2beta1 API: the weekly recurring
runs and a retraining run are created with the compiled pipelines and the right settings."""

from __future__ import annotations

import yaml

from nivesh import catalog
from nivesh.retraining import launch, schedule
from nivesh.settings import RetrainSettings
from nivesh.training import runs
from tests.fakes_kfp import FakeKfp, serve


def test_weekly_recurring_runs_are_created_from_the_compiled_pipelines() -> None:
    with serve(FakeKfp()) as fake:
        made = schedule.create(fake.url)
    assert [e["display_name"] for e in fake.experiments.values()] == [schedule.EXPERIMENT]
    created = fake.created("recurringruns")
    assert len(created) == len(made) == len(catalog.MODELS) + 1
    by_name = {c["display_name"]: c for c in created}
    credit = by_name["credit-risk-weekly"]
    assert credit["trigger"]["cron_schedule"]["cron"] == "0 30 20 * * 6"
    assert credit["max_concurrency"] == 1 and credit["no_catchup"] is True and credit["mode"] == "ENABLE"
    compiled, platform = yaml.safe_load_all(runs.compiled_path("credit-risk").read_text())
    assert credit["pipeline_spec"] == {"pipeline_spec": compiled, "platform_spec": platform}
    assert "nivesh-mlflow" in str(platform)  # kfp-kubernetes: the Secret travels with the spec
    assert all(c["experiment_id"] == next(iter(fake.experiments)) for c in created)


def test_retraining_creates_a_run_in_the_retraining_experiment() -> None:
    with serve(FakeKfp()) as fake:
        outcome = launch.KfpLauncher(RetrainSettings(kfp_host=fake.url)).launch("anomaly-detector", "retrain-x-1")
    [run] = fake.created("runs")
    assert outcome.run_id and not outcome.finished
    assert run["display_name"] == "retrain-x-1"
    assert run["pipeline_spec"]["pipeline_spec"]["pipelineInfo"]["name"] == "anomaly-detector"
    assert [e["display_name"] for e in fake.experiments.values()] == ["nivesh-retraining"]


def test_pipeline_submit_creates_a_run_with_its_arguments() -> None:
    import pytest

    from nivesh.errors import NiveshError

    with serve(FakeKfp()) as fake:
        run_id = runs.submit(
            "credit-risk", fake.url, "cr-manual", "nivesh", {"params": '{"max_depth": 3}', "source": ""}, 30
        )
        with pytest.raises(NiveshError, match="takes no argument"):
            runs.submit("spending-batch", fake.url, "x", "nivesh", {"params": "{}"}, 30)
        with pytest.raises(NiveshError, match="no pipeline named"):
            runs.submit("credit", fake.url, "x", "nivesh", {}, 30)
    [run] = fake.created("runs")
    assert run_id and run["display_name"] == "cr-manual"
    assert run["runtime_config"]["parameters"] == {"params": '{"max_depth": 3}'}
    assert run["pipeline_spec"]["pipeline_spec"]["pipelineInfo"]["name"] == "credit-risk"
