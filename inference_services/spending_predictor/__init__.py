"""spending-predictor predictor."""
