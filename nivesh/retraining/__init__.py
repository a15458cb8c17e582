"""Retraining: the Alertmanager webhook that starts a model's pipeline once per incident,
the record of why each run started, and the weekly recurring runs."""
