"""python -m inference_services.intent_classifier --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.intent_classifier.model import IntentPredictor  # noqa: E402

if __name__ == "__main__":
    IntentPredictor.main()
