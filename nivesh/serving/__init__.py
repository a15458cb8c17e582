"""Shared pieces of the KServe predictors and transformers."""
