"""Prometheus export of the webhook ingress's request counts."""

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

WEBHOOK_REQUESTS = "scmflow_webhook_requests"


class WebhookRequestCollector(Collector):
    """Reads the ingress's counts at scrape time, as ``scmflow_webhook_requests_total``."""

    def __init__(self, counts: Callable[[], dict[tuple[str, int], int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            WEBHOOK_REQUESTS,
            "Webhook requests answered by the ingress, by source and HTTP status.",
            labels=["source", "status"],
        )
        for (source, status), count in sorted(self._counts().items()):
            family.add_metric([source, str(status)], count)
        yield family


def serve_webhook_metrics(
    counts: Callable[[], dict[tuple[str, int], int]], host: str, port: int
) -> CollectorRegistry:
    """Serve /metrics with the webhook counts on ``host:port`` from a daemon thread."""
    registry = CollectorRegistry()
    registry.register(WebhookRequestCollector(counts))
    start_http_server(port, addr=host, registry=registry)
    return registry
