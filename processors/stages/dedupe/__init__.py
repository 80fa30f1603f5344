"""The dedupe stage, its Kafka ledger and its Redis state."""

from processors.stages.dedupe.logic import H_STALE, KEY_PREFIX, DedupeLogic

__all__ = ["H_STALE", "KEY_PREFIX", "DedupeLogic"]
