"""Mirroring predictions to shadow predictors (``ENGINE_SHADOW_ENDPOINTS``), answers ignored.

Seldon mirrors a predictor's traffic to its ``shadow`` predictor in the ingress (Istio);
without one, the controller tells the main predictor's engine where the shadows' engines
are, and the engine sends each of them a copy of every prediction (REST JSON to
``<url>/api/v1.0/predictions``) on a few background threads. The caller never waits for a
shadow: when shadows fall behind, copies beyond a small backlog are dropped and counted.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence

from seldon_s2i.engine.background_post import BackgroundPoster

BACKLOG = 64


class Shadows:
    def __init__(self, urls: Sequence[str], timeout: float = 10.0) -> None:
        self.targets = [urllib.parse.urlsplit(url) for url in urls]
        self.poster = BackgroundPoster("shadow", min(4, 2 * len(self.targets)), BACKLOG, timeout)

    def mirror(self, body: bytes, headers: Mapping[str, str]) -> None:
        for target in self.targets:
            self.poster.post(target, target.path.rstrip("/") + "/api/v1.0/predictions", body,
                             {**headers, "Content-Type": "application/json"})
