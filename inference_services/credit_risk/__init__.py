"""credit-risk predictor."""
