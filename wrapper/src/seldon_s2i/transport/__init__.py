"""Transports: thin REST (Flask) and gRPC layers over :mod:`seldon_s2i.service`."""
