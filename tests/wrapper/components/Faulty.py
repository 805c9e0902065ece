"""A model whose predict fails in the ways user code fails, chosen by the request's strData."""

from seldon_s2i.user_model import SeldonMicroserviceException


class TeapotError(Exception):
    status_code = 418
    reason = "I_AM_A_TEAPOT"


class Faulty:
    def predict(self, X, features_names):
        if X == "value-error":
            raise ValueError("the model cannot handle this input")
        if X == "teapot":
            raise TeapotError("short and stout")
        if X == "seldon-422":
            raise SeldonMicroserviceException("unprocessable features", status_code=422, reason="BAD_FEATURES")
        if X == "bad-return":
            return object()
        return X
