"""anomaly-detector predictor."""
