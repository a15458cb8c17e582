"""KServe transformers, one package per model (python -m transformers_kserve.<model>)."""
