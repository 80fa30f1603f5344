"""The topology file: topics, stages and fan-out routes, loaded and validated once."""

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from canonical.errors import ScmflowError


class TopologyError(ScmflowError):
    """The topology file is missing, unreadable or inconsistent."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicSpec(_Model):
    """A topic as `scmflow topics apply` creates it."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str]


class Source(_Model):
    topic: str
    dedupe_ttl_seconds: int = Field(gt=0)


class Outbound(_Model):
    """A topic for documents sent back to partners, such as X12 997 acknowledgements."""

    topic: str
    profile: str = "raw"


class StageTopics(_Model):
    inputs: list[str] = []
    input_prefix: str | None = None
    output_prefix: str | None = None
    dlq: str
    ledger_suffix: str | None = None
    """Dedupe stage only: each input topic gets a compacted ledger topic named
    ``<input topic><ledger_suffix>`` with the same partition count."""
    on_dead_letter: Literal["park", "flag", "off"] = "park"
    """Policy for later records with the key of a dead-lettered record, until that record
    is replayed: park them in the dead-letter topic too, flag them, or pass them on."""
    blocked_topic: str | None = None
    """Compacted topic that records which keys are blocked; required unless ``off``."""


class Route(_Model):
    """A fan-out rule: events whose fields match every condition in ``when`` go to ``topic``."""

    name: str
    topic: str
    when: dict[str, Any] = {}

    def matches(self, fields: dict[str, Any]) -> bool:
        """Return whether every condition holds for ``fields`` (a flattened event)."""
        for path, expected in self.when.items():
            actual = fields.get(path)
            if isinstance(expected, list):
                if actual not in expected:
                    return False
            elif actual != expected:
                return False
        return True


class Defaults(_Model):
    partitions: int = Field(default=3, gt=0)
    replication_factor: int = Field(default=1, gt=0)


class Override(_Model):
    partitions: int | None = None
    config: dict[str, str] = {}


class Topology(_Model):
    version: int
    defaults: Defaults = Defaults()
    profiles: dict[str, dict[str, str]]
    sources: dict[str, Source]
    outbound: dict[str, Outbound] = {}
    entities: list[str]
    stages: dict[str, StageTopics]
    routes: list[Route] = []
    overrides: dict[str, Override] = {}

    @model_validator(mode="after")
    def _check_references(self) -> "Topology":
        for required in ("raw", "stream", "canonical", "consumer", "dlq", "ledger", "state"):
            if required not in self.profiles:
                raise ValueError(f"profiles: missing the {required!r} profile")
        for stage in ("normalize", "dedupe", "fanout"):
            if stage not in self.stages:
                raise ValueError(f"stages: missing the {stage!r} stage")
        for name, stage in self.stages.items():
            if stage.on_dead_letter != "off" and not stage.blocked_topic:
                raise ValueError(f"stages.{name}: on_dead_letter needs a blocked_topic")
        if self.stages["dedupe"].on_dead_letter == "park":
            # Parking would drop a record whose key the dedupe stage has already
            # recorded as seen, so its replay would be dropped as a duplicate.
            raise ValueError("stages.dedupe.on_dead_letter: use flag or off, not park")
        raw_topics = {source.topic for source in self.sources.values()}
        for topic in self.stages["normalize"].inputs:
            if topic not in raw_topics:
                raise ValueError(f"stages.normalize.inputs: {topic!r} is not a source topic")
        for name, outbound in self.outbound.items():
            if outbound.profile not in self.profiles:
                raise ValueError(f"outbound.{name}: unknown profile {outbound.profile!r}")
        names = [route.name for route in self.routes]
        if len(names) != len(set(names)):
            raise ValueError("routes: route names must be unique")
        return self

    def with_prefix(self, prefix: str, entities: list[str] | None = None) -> "Topology":
        """Return a copy whose topic names all start with ``prefix``.

        Tests and the chaos checker use it to run a pipeline of their own on a
        shared cluster. ``entities`` narrows the entity list, so fewer topics exist.
        """
        document = self.model_dump()
        for source in document["sources"].values():
            source["topic"] = prefix + source["topic"]
        for outbound in document["outbound"].values():
            outbound["topic"] = prefix + outbound["topic"]
        if entities is not None:
            document["entities"] = entities
        for stage in document["stages"].values():
            stage["inputs"] = [prefix + topic for topic in stage["inputs"]]
            for name in ("input_prefix", "output_prefix", "blocked_topic"):
                if stage[name]:
                    stage[name] = prefix + stage[name]
            stage["dlq"] = prefix + stage["dlq"]
        for route in document["routes"]:
            route["topic"] = prefix + route["topic"]
        return Topology.model_validate(document)

    # Derived topic names.

    def stage(self, name: str) -> StageTopics:
        try:
            return self.stages[name]
        except KeyError:
            raise TopologyError(
                f"unknown stage {name!r}; expected one of {', '.join(sorted(self.stages))}"
            ) from None

    def normalized_topic(self, entity: str) -> str:
        return f"{self.stages['normalize'].output_prefix}{entity}"

    def canonical_topic(self, entity: str) -> str:
        return f"{self.stages['dedupe'].output_prefix}{entity}"

    def stage_inputs(self, name: str) -> list[str]:
        stage = self.stage(name)
        if stage.input_prefix:
            return [f"{stage.input_prefix}{entity}" for entity in self.entities]
        return list(stage.inputs)

    def ledger_topic(self, input_topic: str) -> str:
        suffix = self.stages["dedupe"].ledger_suffix
        if not suffix:
            raise TopologyError("stages.dedupe.ledger_suffix is not set")
        return f"{input_topic}{suffix}"

    def source_of_topic(self, topic: str) -> str | None:
        for name, source in self.sources.items():
            if source.topic == topic:
                return name
        return None

    def topic_specs(self) -> list[TopicSpec]:
        """Return every topic the pipeline uses, with partitions and configs after overrides."""
        profile_of_topic: dict[str, str] = {}
        for source in self.sources.values():
            profile_of_topic[source.topic] = "raw"
        for outbound in self.outbound.values():
            profile_of_topic[outbound.topic] = outbound.profile
        for entity in self.entities:
            profile_of_topic[self.normalized_topic(entity)] = "stream"
            profile_of_topic[self.canonical_topic(entity)] = "canonical"
        for route in self.routes:
            profile_of_topic[route.topic] = "consumer"
        for stage in self.stages.values():
            profile_of_topic[stage.dlq] = "dlq"
            if stage.blocked_topic:
                profile_of_topic[stage.blocked_topic] = "state"
        if self.stages["dedupe"].ledger_suffix:
            for topic in self.stage_inputs("dedupe"):
                profile_of_topic[self.ledger_topic(topic)] = "ledger"

        specs = []
        for name, profile in profile_of_topic.items():
            override = self.overrides.get(name, Override())
            specs.append(
                TopicSpec(
                    name=name,
                    partitions=override.partitions or self.defaults.partitions,
                    replication_factor=self.defaults.replication_factor,
                    config={**self.profiles[profile], **override.config},
                )
            )
        return specs


def load_topology(path: Path) -> Topology:
    """Load and validate a topology file; raise TopologyError naming the file and the problem."""
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise TopologyError(f"cannot read topology file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise TopologyError(f"topology file {path} is not valid YAML: {exc}") from exc
    try:
        return Topology.model_validate(document)
    except ValidationError as exc:
        raise TopologyError(f"topology file {path} is invalid:\n{exc}") from exc
