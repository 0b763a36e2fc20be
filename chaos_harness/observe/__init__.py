"""The checker: Prometheus, Alertmanager and the #data-ops webhook receiver, and the alert observer."""
