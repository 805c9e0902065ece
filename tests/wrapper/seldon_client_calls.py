"""Run inside the seldon-core==1.18.2 virtual environment: call a server with Seldon's own Python client.

Prints one JSON object: for each call, whether the client reported success and the response it decoded.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from google.protobuf import json_format
from seldon_core.seldon_client import SeldonClient


def outcome(result: object) -> dict:
    response = getattr(result, "response", None)
    if response is not None and not isinstance(response, dict):
        response = json_format.MessageToDict(response)
    return {"success": bool(getattr(result, "success", False)), "msg": str(getattr(result, "msg", "")), "response": response}


def main() -> None:
    rest, grpc_endpoint = sys.argv[1], sys.argv[2]
    client = SeldonClient()
    data = np.array([[5.1, 3.5, 1.4, 0.2]])
    results: dict[str, dict] = {}
    for transport, endpoint in (("rest", rest), ("grpc", grpc_endpoint)):
        for payload in ("ndarray", "tensor"):
            results[f"{transport}-micro-{payload}"] = outcome(
                client.microservice(
                    transport=transport, microservice_endpoint=endpoint, method="predict", payload_type=payload, data=data
                )
            )
            results[f"{transport}-gateway-{payload}"] = outcome(
                client.predict(gateway="seldon", transport=transport, gateway_endpoint=endpoint, payload_type=payload, data=data)
            )
        results[f"{transport}-str"] = outcome(
            client.microservice(transport=transport, microservice_endpoint=endpoint, method="predict", str_data="hello")
        )
        results[f"{transport}-json"] = outcome(
            client.microservice(transport=transport, microservice_endpoint=endpoint, method="predict", json_data={"a": 1})
        )
        results[f"{transport}-bin"] = outcome(
            client.microservice(transport=transport, microservice_endpoint=endpoint, method="predict", bin_data=b"\x01\x02")
        )
        prediction = client.microservice(
            transport=transport, microservice_endpoint=endpoint, method="predict", payload_type="ndarray", data=data
        )
        results[f"{transport}-feedback"] = outcome(
            client.microservice_feedback(
                prediction_request=prediction.request,
                prediction_response=prediction.response,
                reward=1.0,
                transport=transport,
                microservice_endpoint=endpoint,
            )
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
