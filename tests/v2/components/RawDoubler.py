"""predict_raw over V2: receives the request dict, answers a V2 response dict."""

from typing import Any

import numpy as np


class RawDoubler:
    def predict_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        first = request["inputs"][0]
        doubled = np.asarray(first["data"]) * 2
        return {
            "parameters": {"seen_id": request.get("id", ""), "seen_inputs": len(request["inputs"])},
            "outputs": [{"name": "doubled", "datatype": first["datatype"], "shape": first["shape"],
                         "data": doubled.reshape(-1).tolist()}],
        }
