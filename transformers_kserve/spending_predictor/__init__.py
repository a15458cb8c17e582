"""spending-predictor transformer."""
