"""Process settings, read once from the environment.

KAFKA_BOOTSTRAP_SERVERS and REDIS_URL keep their conventional names so that
the same variables serve scmflow, the Kafka tools and redis-cli. Every other
setting uses the SCMFLOW_ prefix.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCMFLOW_", frozen=True, extra="forbid")

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka brokers to use. When set, `scmflow dev up` starts no broker.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL"),
        description="Redis server to use. When set, `scmflow dev up` starts no Redis.",
    )
    topology_file: Path = Field(
        default=PROJECT_ROOT / "topology.yaml",
        description="Topology file that names every topic, stage and route.",
    )
    max_attempts: int = Field(
        default=3,
        ge=1,
        description="Tries of a record that raises an unexpected exception before it is "
        "dead-lettered as INTERNAL_ERROR.",
    )
    state_dir: Path = Field(
        default=PROJECT_ROOT / ".local",
        description="Folder for the local broker's and Redis's data, logs and pid files.",
    )

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap_servers or DEFAULT_BOOTSTRAP_SERVERS

    @property
    def redis(self) -> str:
        return self.redis_url or DEFAULT_REDIS_URL


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
