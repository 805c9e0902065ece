"""``seldon_core.flask_utils`` names, served by seldon-s2i."""

from seldon_s2i.errors import SeldonMicroserviceException

ANNOTATIONS_FILE = "/etc/podinfo/annotations"

__all__ = ["ANNOTATIONS_FILE", "SeldonMicroserviceException"]
