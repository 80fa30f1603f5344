"""A reduced `make chaos` run: faults of every kind, then no anomaly of any kind."""

import io

import pytest

from scmflow.chaos.runner import ChaosConfig, run_chaos

pytestmark = pytest.mark.integration


def test_reduced_chaos_run_is_clean():
    out = io.StringIO()
    config = ChaosConfig(events=1500, kills=4, redis_restarts=1, broker_restarts=1, seed=11)
    status = run_chaos(config, out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "lost=0 duplicates=0 reordered=0 phantom=0 dlq_mismatch=0", (
        out.getvalue()[-3000:]
    )
    assert status == 0
    assert any("broker restarted" in line for line in lines)
    assert any("Redis restarted empty" in line for line in lines)
