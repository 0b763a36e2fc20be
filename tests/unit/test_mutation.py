"""Negative controls break a rule by misspelling its first metric name; that must be robust."""
import pytest

from chaos_harness.mutation import misspell_metric


@pytest.mark.parametrize("expr,expected", [
    ("sum by (job) (rate(notification_rate_limit_errors_total[4s])) > 0.1",
     "sum by (job) (rate(notification_rate_limit_errors_total_misspelt[4s])) > 0.1"),
    ('histogram_quantile(0.95, sum by (le) (rate(x_bucket{source="remote"}[10s]))) > 2',
     'histogram_quantile(0.95, sum by (le) (rate(x_bucket_misspelt{source="remote"}[10s]))) > 2'),
    ("max(a_bytes / b_bytes) > 0.8", "max(a_bytes_misspelt / b_bytes) > 0.8"),
    ("up == 0", "up_misspelt == 0"),
    ("sum without (instance) (kafka_consumergroup_lag) > 5e3",
     "sum without (instance) (kafka_consumergroup_lag_misspelt) > 5e3"),
    ('sum(rate(x{path=~"up|down"}[1m])) > 1', 'sum(rate(x_misspelt{path=~"up|down"}[1m])) > 1'),
])
def test_misspells_the_first_metric_name_only(expr, expected):
    assert misspell_metric(expr) == expected


def test_an_expression_without_metrics_is_an_error():
    with pytest.raises(ValueError, match="no metric name"):
        misspell_metric("vector(1) > 0")
