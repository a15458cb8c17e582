"""python -m inference_services.anomaly_detector --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.anomaly_detector.model import AnomalyPredictor  # noqa: E402

if __name__ == "__main__":
    AnomalyPredictor.main()
