"""python -m inference_services.credit_risk --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from pathlib import Path  # noqa: E402

from inference_services.credit_risk.model import CreditRiskPredictor  # noqa: E402
from nivesh.catalog import CREDIT_RISK  # noqa: E402
from nivesh.serving import server  # noqa: E402


def main() -> None:
    args = server.parse_args(CREDIT_RISK.name, [("--model_dir", {"required": True, "help": "artifact directory"})])
    model = CreditRiskPredictor(
        args.model_name,
        Path(args.model_dir),
        server.prediction_logger(CREDIT_RISK.identifier_fields),
    )
    model.load()
    server.start(model)


if __name__ == "__main__":
    main()
