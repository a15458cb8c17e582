"""python -m inference_services.anomaly_detector --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from pathlib import Path  # noqa: E402

from inference_services.anomaly_detector.model import AnomalyPredictor  # noqa: E402
from nivesh.catalog import ANOMALY_DETECTOR  # noqa: E402
from nivesh.serving import server  # noqa: E402


def main() -> None:
    args = server.parse_args(ANOMALY_DETECTOR.name, [("--model_dir", {"required": True, "help": "artifact directory"})])
    model = AnomalyPredictor(
        args.model_name, Path(args.model_dir), server.prediction_logger(ANOMALY_DETECTOR.identifier_fields)
    )
    model.load()
    server.start(model)


if __name__ == "__main__":
    main()
