"""Seldon protocol messages and services, generated from the .proto files at install time."""
