"""Replay selection, time parsing, replay headers and value display of `scmflow dlq`."""

import argparse
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Message

from scmflow.dlq.cli import add_dlq_parser, selection_from_args
from scmflow.dlq.progress import Progress
from scmflow.dlq.publisher import Pacer
from scmflow.dlq.records import DeadLetterRecord, replay_headers
from scmflow.dlq.selection import Selection, SelectionError, parse_codes, parse_time
from scmflow.dlq.show import hex_dump, view_value
from scmflow.dlq.summary import age_bucket

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def dead_letter(
    *,
    code: str = "MAPPING_MISSING",
    failed_at: str | None = "2026-03-01T11:30:00.000+00:00",
    key: bytes | None = b"ACMEWHSE:856:SH-1",
    extra_headers: list[tuple[str, bytes | None]] | None = None,
    timestamp_ms: int = 1772366400000,
) -> DeadLetterRecord:
    headers: list[tuple[str, bytes | None]] = [
        ("scmflow.source", b"x12"),
        ("scmflow.partner", b"ACMEWHSE"),
        *(extra_headers or []),
        ("scmflow.error.version", b"1"),
        ("scmflow.error.code", code.encode()),
        ("scmflow.error.topic", b"raw.x12"),
        ("scmflow.error.partition", b"2"),
        ("scmflow.error.offset", b"17"),
        ("scmflow.error.timestamp", b"1772360000000"),
    ]
    if failed_at is not None:
        headers.append(("scmflow.error.failed_at", failed_at.encode()))
    message = Message(
        topic="dlq.normalize",
        partition=1,
        offset=5,
        key=key,
        value=b"ST*856*0001~",
        headers=headers,
        timestamp=(1, timestamp_ms),
    )
    return DeadLetterRecord.from_message(message)


# parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", NOW - timedelta(seconds=45)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2h", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
        ("1w", NOW - timedelta(weeks=1)),
        ("2026-02-28T08:15:00Z", datetime(2026, 2, 28, 8, 15, tzinfo=UTC)),
        ("2026-02-28T08:15:00+02:00", datetime(2026, 2, 28, 6, 15, tzinfo=UTC)),
        ("2026-02-28", datetime(2026, 2, 28, tzinfo=UTC)),
        ("2026-02-28T08:15", datetime(2026, 2, 28, 8, 15, tzinfo=UTC)),
    ],
)
def test_parse_time_accepts(text, expected):
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2x", "-2h", "2026-13-01", ""])
def test_parse_time_rejects(text):
    with pytest.raises(SelectionError, match="invalid time"):
        parse_time(text, NOW)


# parse_codes


def test_parse_codes_ignores_case():
    assert parse_codes(["mapping_missing", "X12_SEGMENT_MISSING"]) == {
        "MAPPING_MISSING",
        "X12_SEGMENT_MISSING",
    }


def test_parse_codes_rejects_unknown_code():
    with pytest.raises(SelectionError, match="unknown error code MAPPING_MISING"):
        parse_codes(["MAPPING_MISING"])


# Selection validation


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "no selection given"),
        ({"partition": 0}, "no selection given"),
        ({"codes": frozenset({"MAPPING_MISSING"})}, "no selection given"),
        ({"from_offset": 3}, "need --partition"),
        ({"partition": 0, "from_offset": -1}, "--from-offset must be 0 or more"),
        ({"partition": 0, "from_offset": 5, "to_offset": 4}, "is before --from-offset"),
        ({"since": NOW, "until": NOW - timedelta(seconds=1)}, "is before --since"),
    ],
)
def test_selection_rejects(fields, message):
    with pytest.raises(SelectionError, match=message):
        Selection(**fields)


def test_selection_accepts_single_offset():
    selection = Selection(partition=1, from_offset=4, to_offset=4)
    assert selection.offset_bounds(1, 0, 10) == (4, 5)


def test_offset_bounds_clamped_to_partition():
    selection = Selection(partition=1, from_offset=2, to_offset=50)
    assert selection.offset_bounds(1, 5, 10) == (5, 10)


def test_offset_bounds_other_partition_empty():
    selection = Selection(partition=1, from_offset=2)
    start, end = selection.offset_bounds(0, 3, 10)
    assert start == end


def test_offset_bounds_range_past_end_empty():
    selection = Selection(partition=0, from_offset=20, to_offset=30)
    start, end = selection.offset_bounds(0, 0, 10)
    assert start == end


def test_offset_bounds_all_covers_partition():
    assert Selection(select_all=True).offset_bounds(2, 3, 9) == (3, 9)


# Selection.matches


def test_matches_code_filter():
    selection = Selection(select_all=True, codes=frozenset({"X12_SEGMENT_MISSING"}))
    assert selection.matches(dead_letter(code="X12_SEGMENT_MISSING"))
    assert not selection.matches(dead_letter(code="MAPPING_MISSING"))


def test_matches_source_header_or_original_topic():
    assert Selection(select_all=True, source="x12").matches(dead_letter())
    assert Selection(select_all=True, source="raw.x12").matches(dead_letter())
    assert not Selection(select_all=True, source="edifact").matches(dead_letter())


def test_matches_entity_key_or_header():
    by_header = dead_letter(key=None, extra_headers=[("scmflow.entity_id", b"ACMEWHSE:SH-1")])
    assert Selection(select_all=True, entity="ACMEWHSE:856:SH-1").matches(dead_letter())
    assert Selection(select_all=True, entity="ACMEWHSE:SH-1").matches(by_header)
    assert not Selection(select_all=True, entity="ACMEWHSE:SH-2").matches(dead_letter())


def test_matches_time_window_on_failed_at():
    record = dead_letter(failed_at="2026-03-01T11:30:00.000+00:00")
    assert Selection(since=NOW - timedelta(hours=1)).matches(record)
    assert not Selection(since=NOW - timedelta(minutes=10)).matches(record)
    assert Selection(until=NOW - timedelta(minutes=30)).matches(record)
    assert not Selection(until=NOW - timedelta(minutes=31)).matches(record)


def test_matches_time_window_falls_back_to_timestamp():
    record = dead_letter(failed_at=None, timestamp_ms=int(NOW.timestamp() * 1000))
    assert record.failed_at == NOW
    assert Selection(since=NOW).matches(record)
    assert not Selection(until=NOW - timedelta(seconds=1)).matches(record)


# Arguments


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scmflow")
    add_dlq_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_selection_from_args_builds_window_and_filters():
    args = parse(
        ["dlq", "replay", "--stage", "normalize", "--since", "2h", "--until", "30m"]
        + ["--code", "mapping_missing", "--code", "X12_SEGMENT_MISSING", "--source", "x12"]
    )
    selection = selection_from_args(args, NOW)

    assert selection.since == NOW - timedelta(hours=2)
    assert selection.until == NOW - timedelta(minutes=30)
    assert selection.codes == {"MAPPING_MISSING", "X12_SEGMENT_MISSING"}
    assert selection.source == "x12"


def test_selection_from_args_offset_range():
    args = parse(
        ["dlq", "replay", "--stage", "normalize", "--partition", "2"]
        + ["--from-offset", "10", "--to-offset", "12", "--dry-run", "--rate", "5"]
    )
    selection = selection_from_args(args, NOW)

    assert (selection.partition, selection.from_offset, selection.to_offset) == (2, 10, 12)
    assert args.dry_run
    assert args.rate == 5.0


def test_show_requires_offset():
    with pytest.raises(SystemExit):
        parse(["dlq", "show", "--stage", "normalize", "--partition", "0"])


# Replay headers


def test_replay_headers_drop_error_headers():
    headers = replay_headers(dead_letter(), actor="alice", replayed_at=NOW)
    names = [name for name, _ in headers]

    assert not [name for name in names if name.startswith("scmflow.error.")]
    assert names[:2] == ["scmflow.source", "scmflow.partner"]
    assert dict(headers)["scmflow.replay.count"] == b"1"
    assert dict(headers)["scmflow.replay.by"] == b"alice"
    assert dict(headers)["scmflow.replay.at"] == b"2026-03-01T12:00:00.000+00:00"


def test_replay_headers_origin_from_error_position():
    headers = dict(replay_headers(dead_letter(), actor="alice", replayed_at=NOW))

    assert headers["scmflow.replay.origin"] == b"raw.x12:2:17"


def test_replay_headers_keep_first_origin():
    record = dead_letter(extra_headers=[("scmflow.replay.origin", b"raw.x12:0:3")])
    headers = replay_headers(record, actor="alice", replayed_at=NOW)

    assert [value for name, value in headers if name == "scmflow.replay.origin"] == [b"raw.x12:0:3"]


def test_replay_headers_increment_count_once():
    record = dead_letter(
        extra_headers=[("scmflow.replay.count", b"2"), ("scmflow.replay.by", b"bob")]
    )
    headers = replay_headers(record, actor="alice", replayed_at=NOW)

    assert [value for name, value in headers if name == "scmflow.replay.count"] == [b"3"]
    assert [value for name, value in headers if name == "scmflow.replay.by"] == [b"alice"]


def test_replay_headers_keep_null_values():
    record = dead_letter(extra_headers=[("scmflow.trace", None)])
    headers = replay_headers(record, actor="alice", replayed_at=NOW)

    assert ("scmflow.trace", None) in headers


def test_record_original_position():
    record = dead_letter()
    assert record.original_topic == "raw.x12"
    assert record.original_partition == 2
    assert record.original_offset == 17
    assert record.original_timestamp_ms == 1772360000000


# Value display


def test_view_value_x12_text():
    view = view_value(b"ISA*00*~GS*SH~ST*856*0001~\n")
    assert view.kind == "text (utf-8)"
    assert view.text.startswith("ISA*00")


def test_view_value_separator_control_characters():
    view = view_value(b"ISA\x1d00\x1c")
    assert view.kind == "text (utf-8)"


def test_view_value_latin1_text():
    view = view_value("N1*ST*Müller GmbH~".encode("latin-1"))
    assert view.kind == "text (latin-1)"
    assert "Müller" in view.text


def test_view_value_binary_hex_dump():
    view = view_value(b"\x00\x01\x02abc")
    assert view.kind == "binary, hex dump"
    assert view.text == "00000000  00 01 02 61 62 63" + " " * 32 + "|...abc|"


def test_view_value_undecodable_avro_notes_error():
    view = view_value(b"\xc3\x01garbage!")
    assert view.kind.startswith("binary, hex dump; not decodable as Avro")


def test_hex_dump_rows_of_16():
    rows = hex_dump(bytes(range(20))).splitlines()
    assert len(rows) == 2
    assert rows[1].startswith("00000010  10 11 12 13")


# Age buckets, progress and pacing


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(minutes=59), "<1h"),
        (timedelta(hours=1), "<1d"),
        (timedelta(days=6), "<7d"),
        (timedelta(days=7), "older"),
    ],
)
def test_age_bucket(age, bucket):
    assert age_bucket(NOW - age, NOW) == bucket


def test_age_bucket_without_time():
    assert age_bucket(None, NOW) == "unknown"


def test_progress_silent_when_not_terminal():
    stream = io.StringIO()
    progress = Progress("reading", 10, stream)
    progress.update(5)
    progress.finish(10)
    assert stream.getvalue() == ""


def test_progress_draws_counts_when_enabled():
    stream = io.StringIO()
    progress = Progress("replaying t", 10, stream, enabled=True)
    progress.update(5, replayed=2)
    progress.finish(10, replayed=4)
    lines = stream.getvalue().split("\r")
    assert lines[1].startswith("replaying t [###############...............] 5/10 read")
    assert lines[-1] == "replaying t [##############################] 10/10 read, 4 replayed\n"


def test_pacer_spaces_calls():
    pacer = Pacer(rate=50)
    started = time.monotonic()
    for _ in range(6):
        pacer.wait()
    assert time.monotonic() - started >= 0.09


def test_pacer_without_rate_does_not_wait():
    pacer = Pacer(rate=None)
    started = time.monotonic()
    for _ in range(1000):
        pacer.wait()
    assert time.monotonic() - started < 0.5
