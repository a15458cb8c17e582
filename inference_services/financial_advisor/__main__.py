"""python -m inference_services.financial_advisor --model_dir DIR [--http_port P] [kserve flags]"""

from nivesh.serving.server import prepare_argv

prepare_argv()

from inference_services.financial_advisor.model import AdvisorPredictor  # noqa: E402

if __name__ == "__main__":
    AdvisorPredictor.main()
