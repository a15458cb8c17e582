"""financial-ner predictor."""
