"""``seldon_core.user_model`` names, served by seldon-s2i."""

from seldon_s2i.user_model import SeldonComponent, SeldonNotImplementedError, SeldonResponse

__all__ = ["SeldonComponent", "SeldonNotImplementedError", "SeldonResponse"]
