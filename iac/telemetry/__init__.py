"""Run telemetry: per-run Prometheus/JSON metrics and structured logs with run/job ids."""

from iac.telemetry.logs import configure_logging, get_logger, job_id_var, run_id_var
from iac.telemetry.metrics import RunMetrics

__all__ = ["RunMetrics", "configure_logging", "get_logger", "job_id_var", "run_id_var"]
