"""python -m inference_services.financial_ner --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.financial_ner.model import NerPredictor  # noqa: E402

if __name__ == "__main__":
    NerPredictor.main()
