"""python -m transformers_kserve.spending_predictor --predictor_host HOST:PORT --predictor_protocol v2"""

from nivesh.catalog import SPENDING_PREDICTOR
from nivesh.serving.server import prepare_argv

prepare_argv(SPENDING_PREDICTOR.predictor_timeout_s)

from nivesh.serving.feast_transformer import main  # noqa: E402
from transformers_kserve.spending_predictor.model import ASSEMBLY  # noqa: E402

if __name__ == "__main__":
    main(ASSEMBLY)
