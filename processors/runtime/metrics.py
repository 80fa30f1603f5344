"""Prometheus metrics of the stages, in base units, following Prometheus naming rules.

All metrics live in one registry per process (``REGISTRY``) so that a worker
serves exactly the scmflow metrics plus the process collector on /metrics.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

# Latency buckets in seconds: from one commit interval up to a day, because
# business latency includes partners that send documents hours late.
_LATENCY_BUCKETS = (
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0,
)
_COMMIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

RECORDS_CONSUMED = Counter(
    "scmflow_records_consumed_total",
    "Input records committed by a stage.",
    ["stage", "topic"],
    registry=REGISTRY,
)
RECORDS_PRODUCED = Counter(
    "scmflow_records_produced_total",
    "Output records committed by a stage, dead-letter records excluded.",
    ["stage", "topic"],
    registry=REGISTRY,
)
DLQ_RECORDS = Counter(
    "scmflow_dlq_records_total",
    "Records a stage wrote to its dead-letter topic, by error code.",
    ["stage", "code"],
    registry=REGISTRY,
)
DUPLICATES_DROPPED = Counter(
    "scmflow_duplicates_dropped_total",
    "Records the dedupe stage dropped because their idempotency key was already seen.",
    ["stage"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "scmflow_retries_total",
    "Retries of a batch or a transactional call, by reason.",
    ["stage", "reason"],
    registry=REGISTRY,
)
SCHEMA_VALIDATION_FAILURES = Counter(
    "scmflow_schema_validation_failures_total",
    "Records that did not decode or did not satisfy their schema.",
    ["stage"],
    registry=REGISTRY,
)
TRANSACTION_ABORTS = Counter(
    "scmflow_transaction_aborts_total",
    "Kafka transactions aborted; the batch was rewound and processed again.",
    ["stage"],
    registry=REGISTRY,
)
COMMIT_SECONDS = Histogram(
    "scmflow_transaction_commit_seconds",
    "Duration of commit_transaction, including the flush of the batch's records.",
    ["stage"],
    buckets=_COMMIT_BUCKETS,
    registry=REGISTRY,
)
BUSINESS_LATENCY = Histogram(
    "scmflow_business_latency_seconds",
    "From the event's business time (occurred_at) to its commit on the canonical topic.",
    ["entity_type"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
PIPELINE_LATENCY = Histogram(
    "scmflow_pipeline_latency_seconds",
    "From raw ingest (ingested_at) to the commit on the canonical topic.",
    ["entity_type"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "scmflow_consumer_lag_records",
    "Records between a stage's position and the end of an input partition.",
    ["stage", "topic", "partition"],
    registry=REGISTRY,
)
REDIS_PAUSED = Gauge(
    "scmflow_redis_paused",
    "1 while a stage has paused its partitions because Redis is unreachable.",
    ["stage"],
    registry=REGISTRY,
)
REDIS_PAUSES = Counter(
    "scmflow_redis_pauses_total",
    "Times a stage paused its partitions because Redis was unreachable.",
    ["stage"],
    registry=REGISTRY,
)
LAST_COMMIT = Gauge(
    "scmflow_last_commit_timestamp_seconds",
    "Unix time of the stage's last committed batch.",
    ["stage"],
    registry=REGISTRY,
)
