"""Routers: a weighted A/B split and two multi-armed bandits that learn from feedback rewards.

A router cannot see how many children its graph node has, so the count is a parameter (``n_branches``; for
the A/B split, the number of weights) and the orchestrator refuses a route to a child that does not exist.
The bandits learn from ``send_feedback``: the wrapper hands them the branch this router chose for the
answered request, read from ``meta.routing[<this node's name>]`` of the feedback's response.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from seldon_s2i.components.gauges import ArmGauges
from seldon_s2i.components.parameters import (
    REQUIRED,
    Parameter,
    ParameterError,
    at_least,
    bind,
    float_list,
    metadata,
    positive,
    probability,
)
from seldon_s2i.components.state import ArmCounts, ArmState
from seldon_s2i.errors import BAD_DATA, SeldonMicroserviceException

_SEED = Parameter("seed", "INT", None, "random seed, for reproducible choices (each worker then repeats the same sequence)")


class _Router:
    PARAMETERS: tuple[Parameter, ...] = ()

    def __init__(self, **parameters: Any) -> None:
        self.parameters = bind(type(self).__name__, self.PARAMETERS, parameters)
        self._random_lock = threading.Lock()
        self._rng = np.random.default_rng(self.parameters["seed"])

    def load(self) -> None:
        # The instance is built before the workers fork: without a seed, each worker draws its own sequence.
        if self.parameters["seed"] is None:
            self._rng = np.random.default_rng()

    def init_metadata(self) -> dict[str, Any]:
        return metadata(type(self).__name__, self.PARAMETERS, self.parameters)


class ABTest(_Router):
    """Sends each request to child ``i`` with probability ``weights[i] / sum(weights)``."""

    PARAMETERS = (
        Parameter(
            "weights", "STRING", REQUIRED, "comma-separated non-negative weights, one per child in order, e.g. `0.9,0.1`"
        ),
        Parameter("n_branches", "INT", None, "number of children; when given, must equal the number of weights"),
        _SEED,
    )

    def __init__(self, **parameters: Any) -> None:
        super().__init__(**parameters)
        weights = float_list("ABTest", "weights", self.parameters["weights"])
        if np.any(weights < 0) or weights.sum() <= 0:
            raise ParameterError(f"ABTest: parameter 'weights' = {self.parameters['weights']!r}: must be >= 0 and not all 0")
        expected = self.parameters["n_branches"]
        if expected is not None and expected != weights.size:
            raise ParameterError(
                f"ABTest: parameter 'weights' has {weights.size} values but parameter 'n_branches' is {expected}"
            )
        self._cumulative = np.cumsum(weights / weights.sum())

    def route(self, features: Any, feature_names: list[str]) -> int:
        with self._random_lock:
            draw = self._rng.random()
        return min(int(np.searchsorted(self._cumulative, draw, side="right")), self._cumulative.size - 1)


class _Bandit(_Router):
    """Shared by the bandits: arm counts, feedback, tags and gauges.

    ``tags()`` runs after every call (the wrapper adds them to each answer), so it also refreshes the gauges.
    """

    COMMON = (
        Parameter("n_branches", "INT", REQUIRED, "number of children (arms)", at_least(2)),
        Parameter(
            "state_path",
            "STRING",
            "",
            "file keeping the arm counts across restarts and worker processes (its folder must be writable); "
            "none: each process learns alone, in memory",
        ),
        Parameter("branch_names", "STRING", "", "comma-separated arm names for tags and gauge labels; none: 0, 1, ..."),
        _SEED,
    )

    def __init__(self, **parameters: Any) -> None:
        super().__init__(**parameters)
        name = type(self).__name__
        arms = self.parameters["n_branches"]
        names = self.parameters["branch_names"]
        self.branch_names = [part.strip() for part in names.split(",")] if names else [str(i) for i in range(arms)]
        if len(self.branch_names) != arms or len(set(self.branch_names)) != arms:
            raise ParameterError(
                f"{name}: parameter 'branch_names' needs {arms} distinct names (parameter 'n_branches'), got {names!r}"
            )
        self.state = ArmState(name, arms, self.parameters["state_path"] or None)
        self.gauges = ArmGauges(name, self.branch_names)

    def choose(self, counts: ArmCounts, rng: np.random.Generator) -> int:
        raise NotImplementedError

    def route(self, features: Any, feature_names: list[str]) -> int:
        counts = self.state.counts()
        with self._random_lock:
            return self.choose(counts, self._rng)

    def send_feedback(
        self, features: Any, feature_names: list[str], reward: float, truth: Any, routing: int | None = None
    ) -> list[Any]:
        name = type(self).__name__
        if routing is None:
            raise SeldonMicroserviceException(
                f"{name} learns from feedback whose response carries meta.routing for this router's node "
                "(PREDICTIVE_UNIT_ID); this feedback has none",
                reason=BAD_DATA,
            )
        arms = self.parameters["n_branches"]
        if not 0 <= int(routing) < arms:
            raise SeldonMicroserviceException(
                f"{name}: meta.routing chose branch {routing}, but this router has {arms} (n_branches)", reason=BAD_DATA
            )
        if not 0.0 <= reward <= 1.0:
            raise SeldonMicroserviceException(f"{name}: reward must be between 0 and 1, got {reward}", reason=BAD_DATA)
        self.state.record(int(routing), float(reward))
        return []

    def arm_values(self, counts: ArmCounts) -> np.ndarray:
        return counts.values()

    def tags(self) -> dict[str, Any]:
        counts = self.state.counts()
        values = self.arm_values(counts)
        self.gauges.show(counts.pulls, values)
        return {
            "bandit_pulls": dict(zip(self.branch_names, counts.pulls.tolist(), strict=True)),
            "bandit_values": dict(zip(self.branch_names, values.tolist(), strict=True)),
        }


class EpsilonGreedy(_Bandit):
    """With probability ``epsilon`` a random arm, otherwise the arm with the best mean reward (ties: random)."""

    PARAMETERS = (
        *_Bandit.COMMON,
        Parameter("epsilon", "FLOAT", 0.1, "probability of exploring a random arm instead of the best one", probability),
    )

    def choose(self, counts: ArmCounts, rng: np.random.Generator) -> int:
        arms = counts.pulls.size
        if rng.random() < self.parameters["epsilon"]:
            return int(rng.integers(arms))
        values = counts.values()
        best = np.flatnonzero(values == values.max())
        return int(best[0] if best.size == 1 else rng.choice(best))


class ThompsonSampling(_Bandit):
    """Draws each arm's success rate from its Beta posterior and routes to the highest draw.

    A reward r in [0, 1] counts as r successes and 1 - r failures (Bernoulli rewards are the usual case).
    """

    PARAMETERS = (
        *_Bandit.COMMON,
        Parameter("prior_alpha", "FLOAT", 1.0, "Beta prior's alpha (pseudo-successes) for every arm", positive),
        Parameter("prior_beta", "FLOAT", 1.0, "Beta prior's beta (pseudo-failures) for every arm", positive),
    )

    def _posterior(self, counts: ArmCounts) -> tuple[np.ndarray, np.ndarray]:
        alpha = self.parameters["prior_alpha"] + counts.rewards
        beta = self.parameters["prior_beta"] + (counts.pulls - counts.rewards)
        return alpha, beta

    def choose(self, counts: ArmCounts, rng: np.random.Generator) -> int:
        alpha, beta = self._posterior(counts)
        return int(np.argmax(rng.beta(alpha, beta)))

    def arm_values(self, counts: ArmCounts) -> np.ndarray:
        alpha, beta = self._posterior(counts)
        return np.asarray(alpha / (alpha + beta))  # posterior mean
