"""The gauges the monitors push to the Pushgateway: one name and description each.

The drift and quality jobs push them, `nivesh status` and the Grafana dashboards read
them, and a test checks that every `nivesh_*` series the alert rules name is one of these,
a serving metric or a recording rule, so a renamed gauge cannot silence an alert.
"""

from __future__ import annotations

from dataclasses import dataclass

PUSH_JOB = "nivesh-monitor"  # the Pushgateway job every monitor pushes under


@dataclass(frozen=True)
class Pushed:
    name: str
    doc: str


DRIFT_SHARE = Pushed("nivesh_drift_share", "Share of input columns drifted")
DRIFT_THRESHOLD = Pushed("nivesh_drift_share_threshold", "Drift share above which the model alerts")
DRIFT_COLUMNS_DRIFTED = Pushed("nivesh_drift_columns_drifted", "Number of drifted input columns")
DRIFT_ROWS_COMPARED = Pushed("nivesh_drift_rows_compared", "Logged rows compared with the reference")
DRIFT_COLUMN_SCORE = Pushed("nivesh_drift_column_score", "Per-column drift statistic (p-value or distance)")
DRIFT_COLUMN_DRIFTED = Pushed("nivesh_drift_column_drifted", "1 if the column drifted")
LAST_RUN = Pushed("nivesh_monitor_last_run_timestamp_seconds", "When the monitor last ran")
LAST_SUCCESS = Pushed("nivesh_monitor_last_success_timestamp_seconds", "When the monitor last compared data")
QUALITY_ROWS = Pushed("nivesh_quality_labelled_rows", "Labelled predictions in the window")
QUALITY_VALUE = Pushed("nivesh_quality_value", "Quality on labelled traffic")
QUALITY_REGISTERED = Pushed("nivesh_quality_registered_value", "The metric at registration")

ALL = (
    DRIFT_SHARE,
    DRIFT_THRESHOLD,
    DRIFT_COLUMNS_DRIFTED,
    DRIFT_ROWS_COMPARED,
    DRIFT_COLUMN_SCORE,
    DRIFT_COLUMN_DRIFTED,
    LAST_RUN,
    LAST_SUCCESS,
    QUALITY_ROWS,
    QUALITY_VALUE,
    QUALITY_REGISTERED,
)
