"""KServe predictors, one package per model (python -m inference_services.<model>)."""
