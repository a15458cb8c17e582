"""Weekly retraining as KFP recurring runs, defined here rather than clicked in the UI.

Each model's training pipeline runs once a week in the early hours of Sunday, India
time, an hour apart so that two trainings never share a node pool's burst; the
spending forecasts run monthly after the month's history lands. Each run ends with
champion / challenger, so a weekly run never replaces production with a worse model.
`nivesh pipeline schedule --host URL` creates (or, with --dry-run, lists) them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nivesh import catalog
from nivesh.training import runs

EXPERIMENT = "nivesh-scheduled"
FIRST_HOUR_UTC = 20  # Saturday 20:30 UTC = Sunday 02:00 IST


@dataclass(frozen=True)
class Schedule:
    pipeline: str
    cron: str  # KFP's six fields: second minute hour day-of-month month day-of-week
    why: str

    @property
    def job_name(self) -> str:
        return f"{self.pipeline}-{'monthly' if self.cron.split()[3] != '*' else 'weekly'}"


def schedules() -> list[Schedule]:
    out = []
    for i, name in enumerate(catalog.MODELS):
        hour, day = (FIRST_HOUR_UTC + i) % 24, 6 if FIRST_HOUR_UTC + i < 24 else 0  # past midnight: Sunday
        out.append(Schedule(name, f"0 30 {hour} * * {day}", "weekly retraining on the latest data"))
    out.append(Schedule("spending-batch", "0 0 3 2 * *", "monthly forecasts once the month's history is in"))
    return out


def create(host: str, dry_run: bool = False) -> list[dict[str, Any]]:
    """Create the recurring runs in EXPERIMENT (the KFP API at `host`); returns what was (or would be) made."""
    planned = [{"job_name": s.job_name, "pipeline": s.pipeline, "cron": s.cron, "why": s.why} for s in schedules()]
    if dry_run:
        return planned
    import kfp

    client = kfp.Client(host=host)
    experiment = client.create_experiment(EXPERIMENT)
    for plan in planned:
        run = client.create_recurring_run(
            experiment_id=experiment.experiment_id,
            job_name=plan["job_name"],
            description=plan["why"],
            cron_expression=plan["cron"],
            max_concurrency=1,
            no_catchup=True,  # a paused schedule resumes without replaying missed weeks
            pipeline_package_path=str(runs.compiled_path(plan["pipeline"])),
            enable_caching=False,
        )
        plan["recurring_run_id"] = run.recurring_run_id
    return planned
