"""python -m transformers_kserve.credit_risk --predictor_host HOST:PORT --predictor_protocol v2"""

from nivesh.catalog import CREDIT_RISK
from nivesh.serving.server import prepare_argv

prepare_argv(CREDIT_RISK.predictor_timeout_s)

from nivesh.serving.feast_transformer import main  # noqa: E402
from transformers_kserve.credit_risk.model import ASSEMBLY  # noqa: E402

if __name__ == "__main__":
    main(ASSEMBLY)
