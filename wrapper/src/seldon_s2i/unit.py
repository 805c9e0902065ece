"""Who this microservice is in a deployment: identity the operator/controller injects as environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from seldon_s2i import environment

NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


@dataclass(frozen=True, slots=True)
class UnitInfo:
    unit_id: str | None  # PREDICTIVE_UNIT_ID: the graph node name
    image: str  # PREDICTIVE_UNIT_IMAGE
    deployment_name: str
    predictor_name: str
    predictor_version: str
    executor_enabled: bool

    @property
    def image_name(self) -> str:
        name, _, _ = self._image_parts()
        return name

    @property
    def image_version(self) -> str:
        _, _, version = self._image_parts()
        return version

    def _image_parts(self) -> tuple[str, str, str]:
        if not self.image or self.image == NOT_IMPLEMENTED:
            return NOT_IMPLEMENTED, "", NOT_IMPLEMENTED
        if ":" in self.image.rsplit("/", 1)[-1]:
            return self.image.rpartition(":")
        return self.image, "", "latest"

    @property
    def request_path(self) -> dict[str, str] | None:
        return {self.unit_id: self.image} if self.unit_id else None

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> UnitInfo:
        """The identity in ``env``, by default this process's environment."""
        if env is None:
            env = environment.current()
        labels_text = env.get("PREDICTOR_LABELS", "")
        version = NOT_IMPLEMENTED
        if labels_text:
            try:
                labels = orjson.loads(labels_text)
                version = str(labels.get("version", NOT_IMPLEMENTED)) if isinstance(labels, dict) else NOT_IMPLEMENTED
            except orjson.JSONDecodeError:
                version = NOT_IMPLEMENTED
        return cls(
            unit_id=env.get("PREDICTIVE_UNIT_ID") or None,
            image=env.get("PREDICTIVE_UNIT_IMAGE", ""),
            deployment_name=env.get("SELDON_DEPLOYMENT_ID", NOT_IMPLEMENTED),
            predictor_name=env.get("PREDICTOR_ID", NOT_IMPLEMENTED),
            predictor_version=version,
            executor_enabled=env.get("SELDON_EXECUTOR_ENABLED", "true").lower() in ("1", "true", "t"),
        )
