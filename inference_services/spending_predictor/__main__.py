"""python -m inference_services.spending_predictor --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.spending_predictor.model import SpendingPredictor  # noqa: E402

if __name__ == "__main__":
    SpendingPredictor.main()
