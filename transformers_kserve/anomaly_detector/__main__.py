"""python -m transformers_kserve.anomaly_detector --predictor_host HOST:PORT --predictor_protocol v2"""

from nivesh.catalog import ANOMALY_DETECTOR
from nivesh.serving.server import prepare_argv

prepare_argv(ANOMALY_DETECTOR.predictor_timeout_s)

from nivesh.serving.feast_transformer import main  # noqa: E402
from transformers_kserve.anomaly_detector.model import ASSEMBLY  # noqa: E402

if __name__ == "__main__":
    main(ASSEMBLY)
