"""A record that raises an unexpected exception is retried, then dead-lettered."""

import pytest
from x12_fixtures import ship_notice

from canonical.avro import decode
from processors.runtime.dlq import decode_headers
from processors.stages import normalize as normalize_stage

pytestmark = pytest.mark.integration


def test_internal_error_after_max_attempts(pipeline_factory, monkeypatch):
    real_normalize = normalize_stage.normalize
    calls = []

    def normalize_with_bug(record):
        if b"SH-6666" in record.value:
            calls.append(record.offset)
            raise KeyError("a bug in the normalizer")
        return real_normalize(record)

    monkeypatch.setattr(normalize_stage, "normalize", normalize_with_bug)
    pipeline = pipeline_factory()
    pipeline.start()
    pipeline.ingest_x12(ship_notice("SH-6666", control="000000661").encode())
    pipeline.ingest_x12(ship_notice("SH-6667", control="000000662").encode())
    pipeline.drain(timeout_s=90)

    [dead] = pipeline.records("dlq.normalize")
    headers = decode_headers(dead.headers())
    assert headers["scmflow.error.code"] == "INTERNAL_ERROR"
    assert headers["scmflow.error.attempts"] == "3"
    assert headers["scmflow.error.exception_class"] == "builtins.KeyError"
    assert len(calls) == 3
    canonical = [
        decode(r.value()).payload.shipment_id for r in pipeline.records("canonical.shipment")
    ]
    assert canonical == ["SH-6667"]
