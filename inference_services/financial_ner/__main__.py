"""python -m inference_services.financial_ner --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from pathlib import Path  # noqa: E402

from inference_services.financial_ner.model import NerPredictor  # noqa: E402
from nivesh.catalog import FINANCIAL_NER  # noqa: E402
from nivesh.serving import server  # noqa: E402
from nivesh.settings import ServingSettings  # noqa: E402


def main() -> None:
    args = server.parse_args(FINANCIAL_NER.name, [("--model_dir", {"required": True, "help": "artifact directory"})])
    model = NerPredictor(
        args.model_name,
        Path(args.model_dir),
        ServingSettings(),
        server.prediction_logger(FINANCIAL_NER.identifier_fields),
    )
    model.load()
    server.start(model)


if __name__ == "__main__":
    main()
