"""Fixtures shared by the whole test tree."""

# kube_emulator_session, kube_emulator (reset per test, KUBECONFIG set) and kube_api_client.
pytest_plugins = ["kube_emulator.pytest_plugin"]
