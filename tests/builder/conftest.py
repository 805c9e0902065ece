"""The builder tests' seldon-python builder image is the session fixture ``builder_image`` of tests/conftest.py
(shared with tests/e2e, so one session builds it once)."""
