"""python -m transformers_kserve.financial_advisor --predictor_host HOST:PORT --predictor_protocol v2"""

from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.serving.server import prepare_argv

prepare_argv(FINANCIAL_ADVISOR.predictor_timeout_s)

from nivesh.serving.feast_transformer import main  # noqa: E402
from transformers_kserve.financial_advisor.model import ASSEMBLY, AdvisorTransformer  # noqa: E402

if __name__ == "__main__":
    main(ASSEMBLY, AdvisorTransformer)
