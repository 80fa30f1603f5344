"""Files the local broker needs before it starts: class path, configuration and storage."""

from __future__ import annotations

import base64
import hashlib
import os
import shlex
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from scmflow.services._common import (
    LOCAL_HOST,
    LOG4J_CONFIG_FILE,
    POM_FILE,
    ServiceConfig,
    ServiceError,
    progress,
)

MAVEN_TIMEOUT_SECONDS = 1200
FORMAT_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class KafkaPaths:
    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def server_properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def server_log(self) -> Path:
        return self.root / "server.log"

    @property
    def jvm_log(self) -> Path:
        return self.root / "jvm.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def classpath_file(self) -> Path:
        return self.root / "classpath.txt"

    @property
    def classpath_digest_file(self) -> Path:
        return self.root / "classpath.pom.sha256"


def kafka_paths(config: ServiceConfig) -> KafkaPaths:
    return KafkaPaths(config.state_dir / "kafka")


def resolve_classpath(paths: KafkaPaths) -> str:
    """Return the broker's class path, running Maven only when the cache is out of date.

    The cache is rebuilt when services/pom.xml changes or a cached jar is missing.
    """
    try:
        pom_digest = hashlib.sha256(POM_FILE.read_bytes()).hexdigest()
    except FileNotFoundError as exc:
        raise ServiceError(
            f"kafka: {POM_FILE} not found; `scmflow dev` needs a source checkout "
            "(pip install -e .) to find the broker's Maven project"
        ) from exc

    cached = _read_cached_classpath(paths, pom_digest)
    if cached is not None:
        return cached

    maven = shutil.which("mvn")
    if maven is None:
        raise ServiceError(
            "kafka: Maven (mvn) not found on PATH; install it (Debian: apt-get install -y maven) "
            "or set KAFKA_BOOTSTRAP_SERVERS to a running broker"
        )
    progress(f"kafka: resolving the broker class path with Maven from {POM_FILE}")
    output_file = paths.classpath_file.with_suffix(".tmp")
    command = [
        maven, "-q", "-B", "-f", str(POM_FILE),
        "dependency:build-classpath", f"-Dmdep.outputFile={output_file}",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        raise ServiceError(
            f"kafka: Maven timed out after {MAVEN_TIMEOUT_SECONDS} s: {shlex.join(command)}"
        ) from exc
    if result.returncode != 0 or not output_file.exists():
        output = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise ServiceError(
            f"kafka: Maven failed with exit code {result.returncode}: "
            f"{shlex.join(command)}\n{output}"
        )

    classpath = output_file.read_text().strip()
    output_file.replace(paths.classpath_file)
    paths.classpath_digest_file.write_text(pom_digest + "\n")
    return classpath


def _read_cached_classpath(paths: KafkaPaths, pom_digest: str) -> str | None:
    try:
        cached_digest = paths.classpath_digest_file.read_text().strip()
        classpath = paths.classpath_file.read_text().strip()
    except FileNotFoundError:
        return None
    if cached_digest != pom_digest or not classpath:
        return None
    if not all(Path(entry).exists() for entry in classpath.split(os.pathsep)):
        return None
    return classpath


def write_server_properties(config: ServiceConfig, paths: KafkaPaths) -> None:
    listener = f"{LOCAL_HOST}:{config.kafka_port}"
    controller = f"{LOCAL_HOST}:{config.controller_port}"
    properties = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{controller}",
        "listeners": f"PLAINTEXT://{listener},CONTROLLER://{controller}",
        "advertised.listeners": f"PLAINTEXT://{listener}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(paths.data_dir),
        "num.partitions": "3",
        # A single node cannot hold more than one replica of the internal topics.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Fewer partitions than the default 50 make the first consumer group and
        # the first transactional producer ready sooner on a fresh broker.
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.num.partitions": "10",
        # Tests create and join groups all the time, so skip the 3 s join delay.
        "group.initial.rebalance.delay.ms": "0",
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": "5000",
    }
    lines = ["# Written by `scmflow dev up` on every start; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in properties.items()]
    paths.server_properties.write_text("\n".join(lines) + "\n")


def format_storage(java: str, classpath: str, paths: KafkaPaths) -> None:
    cluster_id = _random_cluster_id()
    progress(f"kafka: formatting {paths.data_dir} for new cluster {cluster_id}")
    command = [
        java, *log4j_options(paths), "-cp", classpath,
        "kafka.tools.StorageTool", "format",
        "-t", cluster_id, "-c", str(paths.server_properties),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_SECONDS)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ServiceError(
            f"kafka: formatting {paths.data_dir} failed with exit code {result.returncode}:\n"
            f"{output}\nSee also {paths.server_log}"
        )


def _random_cluster_id() -> str:
    # Same format as `kafka-storage random-uuid`: 16 random bytes in URL-safe
    # base64 without padding. Kafka rejects IDs that start with "-".
    while True:
        encoded = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not encoded.startswith("-"):
            return encoded


def log4j_options(paths: KafkaPaths) -> list[str]:
    # services/log4j2.properties names its files relative to ${sys:kafka.logs.dir}.
    return [f"-Dlog4j2.configurationFile={LOG4J_CONFIG_FILE}", f"-Dkafka.logs.dir={paths.root}"]
