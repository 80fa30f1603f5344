"""The provisioned Grafana dashboard only queries metrics that scmflow exports."""

import json
import re
from pathlib import Path

from processors.runtime.metrics import REGISTRY
from scmflow.webhook_metrics import WEBHOOK_REQUESTS

ROOT = Path(__file__).resolve().parents[2]


def exported_names() -> set[str]:
    names = {WEBHOOK_REQUESTS + "_total"}
    for family in REGISTRY.collect():
        names.add(family.name)
        for suffix in ("_total", "_bucket", "_count", "_sum"):
            names.add(family.name + suffix)
    return names


def test_dashboard_metrics_exist():
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/scmflow.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"scmflow_[a-z_]+", target["expr"])
    }
    assert queried
    assert queried - exported_names() == set()
