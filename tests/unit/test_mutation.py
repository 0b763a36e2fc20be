"""The negative controls' rule breakage: the first metric name of any PromQL expression misspelled."""
import pytest

from harness.mutation import first_metric_name, misspell_metric


@pytest.mark.parametrize("expr, metric", [
    ("sum by (job) (rate(notification_rate_limit_errors_total[2m])) > 0.1", "notification_rate_limit_errors_total"),
    ("max by (job, instance) (mysql_global_status_threads_connected / mysql_global_variables_max_connections) > 0.9",
     "mysql_global_status_threads_connected"),
    ("sum by (job, instance) (pg_stat_database_numbackends)\n  / max by (job, instance) (pg_settings_max_connections) > 0.9",
     "pg_stat_database_numbackends"),
    ('max without (partition) (kafka_consumergroup_lag{group="orders"}) offset 5m > 5000', "kafka_consumergroup_lag"),
    ("sum(x_total) by (job) > 1e3", "x_total"),
    ('label_replace(up{job="a"}, "dst", "$1", "src", "(.*)") == 0', "up"),
    ("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m]))) > 2", "latency_seconds_bucket"),
    ("avg_over_time(gauge_metric[10m:1m]) > bool 3", "gauge_metric"),
])
def test_first_metric_name_skips_functions_keywords_labels_and_literals(expr, metric):
    pos, name = first_metric_name(expr)
    assert name == metric and expr[pos:pos + len(name)] == metric


def test_misspell_changes_only_the_first_metric_name():
    expr = "max(mysql_global_status_threads_connected / mysql_global_variables_max_connections) > 0.9"
    broken = misspell_metric(expr)
    assert broken == "max(mysql_global_status_threads_connectde / mysql_global_variables_max_connections) > 0.9"
    assert misspell_metric("rate(notification_rate_limit_errors_total[2m]) > 0.1") == \
        "rate(notification_rate_limit_errors_totla[2m]) > 0.1"


def test_misspell_of_a_name_ending_in_a_doubled_letter_still_differs():
    assert misspell_metric("foo_ss > 1") == "foo_ssx > 1"


def test_an_expression_without_metric_is_an_error():
    with pytest.raises(ValueError, match="no metric name"):
        first_metric_name("vector(1) > 0")
