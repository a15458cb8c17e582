"""python -m inference_services.spending_predictor --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from pathlib import Path  # noqa: E402

from inference_services.spending_predictor.model import SpendingPredictor  # noqa: E402
from nivesh.catalog import SPENDING_PREDICTOR  # noqa: E402
from nivesh.serving import server  # noqa: E402


def main() -> None:
    args = server.parse_args(
        SPENDING_PREDICTOR.name, [("--model_dir", {"required": True, "help": "artifact directory"})]
    )
    model = SpendingPredictor(
        args.model_name, Path(args.model_dir), server.prediction_logger(SPENDING_PREDICTOR.identifier_fields)
    )
    model.load()
    server.start(model)


if __name__ == "__main__":
    main()
