"""credit-risk transformer: user_id + loan fields -> Feast features -> v2 tensor for the predictor."""
