"""anomaly-detector transformer: the user's recent activity (anomaly_detector_v1, one-hour
TTL) + the transaction. No stored row means no activity in the last hour, not an error."""

from nivesh.catalog import ANOMALY_DETECTOR
from nivesh.data import transactions as txd
from nivesh.serving.feast_transformer import Assembly

ASSEMBLY = Assembly(
    spec=ANOMALY_DETECTOR,
    schema=txd.TRANSACTION_SCHEMA,
    assemble=txd.assemble_columns,
    require_features=False,
)
