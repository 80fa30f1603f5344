"""The transactional consume-transform-produce runtime that every stage runs on."""

from processors.runtime.batch import BatchResult, DeadLetter, Output, StageLogic
from processors.runtime.loop import StageRunner, StageStats

__all__ = ["BatchResult", "DeadLetter", "Output", "StageLogic", "StageRunner", "StageStats"]
