"""Monitoring deployables that are not Python: alert rules (alerts/), Alertmanager routing
(alertmanager/) and the Grafana dashboards rendered from code (dashboards/).

The monitors themselves are `nivesh monitor MODEL` (nivesh.monitoring.job), run as CronJobs.
"""
