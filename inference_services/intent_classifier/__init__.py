"""intent-classifier predictor."""
