"""Print the requirements of the peers' virtual environment (.venv/peers).

Quix Streams 3.28 pins confluent-kafka below 2.13 and faust-streaming pins
click 7, while scmflow needs confluent-kafka 2.16 or later, so the peers run in
a virtual environment of their own. It gets scmflow's dependencies except
confluent-kafka (the peers import scmflow's normalizer from the source tree).
"""

import re
import tomllib
from pathlib import Path

PEERS = ["quixstreams>=3.28", "faust-streaming>=0.15", "psutil", "orjson"]


def main() -> None:
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    for requirement in project["project"]["dependencies"]:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
        if name != "confluent-kafka":
            print(requirement)
    for requirement in PEERS:
        print(requirement)


if __name__ == "__main__":
    main()
