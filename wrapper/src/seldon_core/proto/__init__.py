"""``seldon_core.proto``: the Seldon protocol messages (seldon-s2i's compiled copy)."""
