"""Seldon's documented hook for custom error answers: a Flask Blueprint in model_error_handler."""

from flask import Blueprint, jsonify


class OutOfStock(Exception):
    def __init__(self, item):
        super().__init__(f"{item} is out of stock")
        self.item = item


errors = Blueprint("errors", __name__)


@errors.app_errorhandler(OutOfStock)
def out_of_stock(error):
    response = jsonify({"error": str(error), "item": error.item})
    response.status_code = 409
    return response


class CustomErrors:
    model_error_handler = errors

    def predict(self, X, features_names):
        if X == "sold-out":
            raise OutOfStock("widget")
        if X == "other":
            raise ValueError("not a custom error")
        return X
