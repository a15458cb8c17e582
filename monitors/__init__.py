"""Monitoring deployables: alert rules (alerts/) and the monitor entry point.

The drift logic lives in nivesh.monitoring; the CronJob runs `nivesh monitor MODEL`.
"""
