"""seldon-s2i: serve a Python class as a Seldon-protocol (v1) microservice."""

__version__ = "0.1.0"
