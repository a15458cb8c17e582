"""Drift and quality monitoring: Evidently reports, gauges for the Pushgateway."""
