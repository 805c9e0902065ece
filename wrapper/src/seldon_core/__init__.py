"""Compatibility layer for component code written against Seldon Core 1.x's ``seldon_core`` package.

Lets existing ``MyModel.py`` files keep their imports
(``from seldon_core.user_model import SeldonComponent, SeldonResponse``,
``from seldon_core.flask_utils import SeldonMicroserviceException``,
``from seldon_core.metrics import create_counter``,
``from seldon_core.proto import prediction_pb2``). It maps those names onto
seldon-s2i; it is not Seldon Core, and does not ship its servers or client.
"""
