"""The bandit routers learn the better arm from feedback, in one process, across restarts and across workers."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from component_serving import seldon_parameters, serving
from microservice_process import Microservice
from prometheus_client.parser import text_string_to_metric_families
from seldon_s2i.components import EpsilonGreedy, ThompsonSampling

ARM_SUCCESS = np.array([0.3, 0.5, 0.7])  # Bernoulli reward probability of each arm; arm 2 is the best
ROUNDS = 1500
LAST = 300  # the rounds in which the best arm must dominate
SEEDS = range(5)


def play(bandit: Any, environment: np.random.Generator, rounds: int) -> np.ndarray:
    chosen = np.empty(rounds, dtype=int)
    for index in range(rounds):
        arm = bandit.route(np.array([[1.0]]), [])
        reward = float(environment.random() < ARM_SUCCESS[arm])
        bandit.send_feedback(np.array([[1.0]]), [], reward, None, routing=arm)
        chosen[index] = arm
    return chosen


@pytest.mark.parametrize(
    ("make", "least_share"),
    [
        # ε-greedy explores 10% of the time, so at best 90% + 10%/3 of its routes go to the best arm.
        (lambda seed: EpsilonGreedy(n_branches=3, epsilon=0.1, seed=seed), 0.85),
        (lambda seed: ThompsonSampling(n_branches=3, seed=seed), 0.9),
    ],
    ids=["epsilon-greedy", "thompson"],
)
def test_bandits_converge_to_the_best_arm_within_1500_rounds(make: Callable[[int], Any], least_share: float) -> None:
    for seed in SEEDS:
        bandit = make(seed)
        chosen = play(bandit, np.random.default_rng(1000 + seed), ROUNDS)
        share = float(np.mean(chosen[-LAST:] == 2))
        assert share >= least_share, f"seed {seed}: best arm got {share:.2f} of the last {LAST} routes"
        tags = bandit.tags()
        assert max(tags["bandit_pulls"], key=tags["bandit_pulls"].get) == "2"
        assert sum(tags["bandit_pulls"].values()) == ROUNDS
        assert abs(tags["bandit_values"]["2"] - ARM_SUCCESS[2]) < 0.06


def test_state_file_keeps_counts_and_stays_valid_json(tmp_path: Path) -> None:
    path = tmp_path / "arms.json"
    first = ThompsonSampling(n_branches=2, state_path=str(path), seed=1)
    for arm, reward in [(0, 1.0), (1, 0.0), (1, 0.25)]:
        first.send_feedback(None, [], reward, None, routing=arm)
    assert json.loads(path.read_text()) == {"pulls": [1, 2], "rewards": [1.0, 0.25]}
    second = ThompsonSampling(n_branches=2, state_path=str(path))
    assert second.tags()["bandit_pulls"] == {"0": 1, "1": 2}
    # What one instance records, another (another worker) sees at its next route.
    second.send_feedback(None, [], 1.0, None, routing=0)
    assert first.tags()["bandit_pulls"] == {"0": 2, "1": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arms.json", "arms.json.lock"]  # no temporary litter


# ---- through the real wrapper ----------------------------------------------------------------------------------
def feedback(arm: int, reward: float) -> dict[str, Any]:
    return {
        "request": {"data": {"ndarray": [[1.0, 2.0]]}},
        "response": {"meta": {"routing": {"bandit": arm}}, "data": {"ndarray": [[0.5]]}},
        "reward": reward,
    }


def send(service: Microservice, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{service.url}/send-feedback", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def route_tags(service: Microservice) -> dict[str, Any]:
    answer = requests.post(f"{service.url}/route", json={"data": {"ndarray": [[1.0, 2.0]]}}, timeout=30)
    assert answer.status_code == 200, answer.text
    tags: dict[str, Any] = answer.json()["meta"]["tags"]
    return tags


def test_bandit_survives_a_restart_with_its_counts(tmp_path: Path, log_dir: Path) -> None:
    state = tmp_path / "state" / "bandit.json"
    state.parent.mkdir()
    parameters = seldon_parameters(n_branches=2, state_path=str(state), branch_names="control,treatment")
    env = {"PREDICTIVE_UNIT_ID": "bandit"}
    with serving("EpsilonGreedy", "ROUTER", tmp_path, log_dir, parameters, env=env) as service:
        for arm, reward in [(0, 0.0), (1, 1.0), (1, 1.0), (1, 0.0)]:
            send(service, feedback(arm, reward))
    with serving("EpsilonGreedy", "ROUTER", tmp_path, log_dir, parameters, env=env) as service:
        tags = route_tags(service)
        assert tags["bandit_pulls"] == {"control": 1, "treatment": 3}
        assert tags["bandit_values"] == {"control": 0.0, "treatment": pytest.approx(2 / 3)}
        send(service, feedback(0, 1.0))
        assert route_tags(service)["bandit_pulls"] == {"control": 2, "treatment": 3}


def scrape_labels(service: Microservice, name: str, label: str) -> dict[str, float]:
    """The samples of metric ``name`` by the value of ``label``."""
    text = requests.get(f"{service.metrics_url}/prometheus", timeout=10).text
    samples = [
        (sample.labels[label], sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]
    by_label = dict(samples)
    assert len(by_label) == len(samples), f"{name} has several series per {label}: {samples}"
    return by_label


def scrape_gauges(service: Microservice, name: str) -> dict[str, float]:
    return scrape_labels(service, name, "branch")


def test_two_workers_lose_no_update_under_concurrent_feedback(tmp_path: Path, log_dir: Path) -> None:
    state = tmp_path / "shared.json"
    parameters = seldon_parameters(n_branches=3, state_path=str(state))
    rewards = [(index % 3, (index % 5) / 4) for index in range(300)]  # rewards 0, .25, .5, .75, 1
    args = ["--workers", "2", "--threads", "4", "--grpc-workers", "0"]
    with serving("ThompsonSampling", "ROUTER", tmp_path, log_dir, parameters, args, {"PREDICTIVE_UNIT_ID": "bandit"}) as service:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda item: send(service, feedback(*item)), rewards))
        assert len(answers) == len(rewards)
        expected_pulls = np.bincount([arm for arm, _ in rewards], minlength=3)
        expected_rewards = np.bincount([arm for arm, _ in rewards], weights=[r for _, r in rewards], minlength=3)
        saved = json.loads(state.read_text())
        assert saved["pulls"] == expected_pulls.tolist()
        assert saved["rewards"] == pytest.approx(expected_rewards.tolist())
        assert len(scrape_labels(service, "seldon_api_model_feedback_total", "worker_id")) == 2  # both took feedback
        # Every worker routes on the shared counts, and the gauges show them as one series per arm.
        for _ in range(6):
            assert route_tags(service)["bandit_pulls"] == dict(zip("012", expected_pulls.tolist(), strict=True))
        assert scrape_gauges(service, "seldon_bandit_pulls") == dict(zip("012", map(float, expected_pulls), strict=True))
        values = scrape_gauges(service, "seldon_bandit_value")
        assert values["0"] == pytest.approx((1 + expected_rewards[0]) / (2 + expected_pulls[0]))


def _record_many(path: str, arm: int, count: int) -> None:
    state = ThompsonSampling(n_branches=2, state_path=path)
    for _ in range(count):
        state.send_feedback(None, [], 1.0, None, routing=arm)


def test_two_processes_recording_at_once_lose_no_update(tmp_path: Path) -> None:
    path = str(tmp_path / "race.json")
    context = multiprocessing.get_context("fork")
    racers = [context.Process(target=_record_many, args=(path, arm, 300)) for arm in (0, 1, 0)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(120)
        assert racer.exitcode == 0
    assert json.loads(Path(path).read_text()) == {"pulls": [600, 300], "rewards": [600.0, 300.0]}
