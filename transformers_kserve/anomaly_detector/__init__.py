"""anomaly-detector transformer."""
