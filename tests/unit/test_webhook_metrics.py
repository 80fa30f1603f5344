"""The webhook request counts as a Prometheus counter."""

from prometheus_client import CollectorRegistry, generate_latest

from scmflow.webhook_metrics import WebhookRequestCollector


def test_counts_exported_by_source_and_status():
    counts = {("shopify", 200): 7, ("shopify", 401): 2, ("ups", 413): 1}
    registry = CollectorRegistry()
    registry.register(WebhookRequestCollector(lambda: counts))
    assert registry.get_sample_value(
        "scmflow_webhook_requests_total", {"source": "shopify", "status": "200"}
    ) == 7
    assert registry.get_sample_value(
        "scmflow_webhook_requests_total", {"source": "ups", "status": "413"}
    ) == 1
    assert b"# TYPE scmflow_webhook_requests_total counter" in generate_latest(registry)


def test_counts_read_at_scrape_time():
    counts: dict = {}
    registry = CollectorRegistry()
    registry.register(WebhookRequestCollector(lambda: counts))
    counts[("easypost", 200)] = 3
    assert registry.get_sample_value(
        "scmflow_webhook_requests_total", {"source": "easypost", "status": "200"}
    ) == 3
