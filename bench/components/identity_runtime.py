"""MLServer custom runtime equivalent to the Identity model, for the serving benchmark (runs in .venvs/mlserver).

Like a Seldon wrapper does for `predict(X, ...)`, it decodes each input to a numpy array and encodes it back,
with MLServer's own codec: the documented way to write a custom runtime.
"""

from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse


class IdentityRuntime(MLModel):
    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        outputs = [
            NumpyCodec.encode_output(name=tensor.name, payload=NumpyCodec.decode_input(tensor))
            for tensor in payload.inputs
        ]
        return InferenceResponse(model_name=self.name, outputs=outputs)
