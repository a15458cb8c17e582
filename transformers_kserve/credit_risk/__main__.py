"""python -m transformers_kserve.credit_risk --predictor_host HOST:PORT --predictor_protocol v2"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from nivesh import features  # noqa: E402
from nivesh.catalog import CREDIT_RISK  # noqa: E402
from nivesh.serving import server  # noqa: E402
from nivesh.settings import Workspace  # noqa: E402
from transformers_kserve.credit_risk.model import CreditRiskTransformer  # noqa: E402


def main() -> None:
    args = server.parse_args(CREDIT_RISK.name)
    if args.predictor_protocol != "v2":
        raise SystemExit("credit-risk transformer: pass --predictor_protocol v2 (the predictor speaks v2 only)")
    ws = Workspace()
    model = CreditRiskTransformer(
        args.model_name,
        features.open_store(ws),
        use_async=bool(ws.redis_url),
        prediction_logger=server.prediction_logger(CREDIT_RISK.identifier_fields),
    )
    model.load()
    server.start(model)


if __name__ == "__main__":
    main()
