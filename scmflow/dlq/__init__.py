"""Operator commands for dead-letter topics: `scmflow dlq list`, `show` and `replay`.

Each command reads a stage's dead-letter topic (``stages.<name>.dlq`` in
topology.yaml) with read_committed. ``replay`` re-publishes selected records
to the topics they failed on, in Kafka transactions; `scmflow.dlq.replay`
describes its semantics.
"""

from scmflow.dlq.cli import add_dlq_parser, run_list, run_replay, run_show
from scmflow.dlq.reader import DlqError
from scmflow.dlq.replay import replay_dead_letters, replay_group_id
from scmflow.dlq.report import ReplayReport
from scmflow.dlq.selection import Selection, SelectionError, parse_time
from scmflow.dlq.show import read_record
from scmflow.dlq.summary import StageSummary, summarize_stages

__all__ = [
    "DlqError",
    "ReplayReport",
    "Selection",
    "SelectionError",
    "StageSummary",
    "add_dlq_parser",
    "parse_time",
    "read_record",
    "replay_dead_letters",
    "replay_group_id",
    "run_list",
    "run_replay",
    "run_show",
    "summarize_stages",
]
