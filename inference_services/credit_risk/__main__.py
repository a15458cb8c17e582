"""python -m inference_services.credit_risk --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.credit_risk.model import CreditRiskPredictor  # noqa: E402

if __name__ == "__main__":
    CreditRiskPredictor.main()
