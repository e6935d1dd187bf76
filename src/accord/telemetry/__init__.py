"""What operators run Accord by: Prometheus metrics (metrics.py) and OpenTelemetry traces
(tracing.py); the JSON log lines are set up in ``accord.logging``."""
