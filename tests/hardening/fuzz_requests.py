"""A seeded generator of REST requests a careless or hostile client sends to a Seldon model."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from typing import Any

PATHS = [
    "/predict",
    "/api/v1.0/predictions",
    "/api/v0.1/predictions",
    "/send-feedback",
    "/api/v1.0/feedback",
    "/transform-input",
    "/transform-output",
    "/route",
    "/aggregate",
    "/health/status",
    "/metadata",
    "/no/such/path",
]
SELDON_KEYS = ["data", "jsonData", "strData", "binData", "meta", "customData", "request", "response", "reward", "truth"]
DATA_KEYS = ["ndarray", "tensor", "tftensor", "names", "shape", "values", "dtype", "tensorShape", "dim", "size"]
META_KEYS = ["tags", "metrics", "routing", "requestPath", "puid", "key", "type", "value"]


@dataclass
class FuzzRequest:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] | None = None
    form: dict[str, str] | None = None


class Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def scalar(self) -> Any:
        r = self.random
        return r.choice(
            [
                None,
                True,
                r.randint(-(2**70), 2**70),
                r.randint(-3, 3),
                r.uniform(-1e308, 1e308),
                "".join(chr(r.randint(0, 0x2FFF)) for _ in range(r.randint(0, 6))),
                "DT_FLOAT",
                "-1",
            ]
        )

    def value(self, depth: int = 0) -> Any:
        r = self.random
        if depth > 4 or r.random() < 0.35:
            return self.scalar()
        if r.random() < 0.5:
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        keys = SELDON_KEYS + DATA_KEYS + META_KEYS
        return {r.choice(keys): self.value(depth + 1) for _ in range(r.randint(0, 4))}

    def message(self) -> Any:
        r = self.random
        kind = r.randrange(8)
        meta: dict[str, Any] = {} if r.random() < 0.5 else {r.choice(META_KEYS): self.value(2)}
        if kind == 0:
            rows, cols = r.randint(0, 3), r.randint(0, 3)
            return {"data": {"ndarray": [[self.scalar() for _ in range(cols)] for _ in range(rows)]}, "meta": meta}
        if kind == 1:
            dims = [r.randint(-3, 3) for _ in range(r.randint(0, 3))]
            return {"data": {"tensor": {"shape": dims, "values": [r.random() for _ in range(r.randint(0, 6))]}}}
        if kind == 2:
            sizes = [{"size": str(r.randint(-3, 3))} for _ in range(r.randint(0, 3))]
            dtype = r.choice(["DT_FLOAT", "DT_DOUBLE", "DT_STRING", "DT_INT32", "DT_BOGUS", 1, 99])
            return {"data": {"tftensor": {"dtype": dtype, "tensorShape": {"dim": sizes}, "floatVal": [1.0, 2.0]}}}
        if kind == 3:
            return {"jsonData": self.value(), "meta": meta}
        if kind == 4:
            return {r.choice(["strData", "binData"]): self.value(3)}
        if kind == 5:
            depth = r.choice([r.randint(1, 300), r.randint(250, 1100)])
            return b'{"jsonData":' + b"[" * depth + b"]" * depth + b"}"
        if kind == 6:
            return {"meta": {r.choice(META_KEYS): self.value(1)}, "strData": "x"}
        return self.value()

    def body(self) -> bytes:
        r = self.random
        message = self.message()
        # The standard library writes what orjson refuses (integers past 64 bits, NaN); the server parses with orjson.
        encoded = message if isinstance(message, bytes) else json.dumps(message).encode()
        mutation = r.randrange(6)
        if mutation == 0 and encoded:
            return encoded[: r.randrange(len(encoded))]
        if mutation == 1 and encoded:
            position = r.randrange(len(encoded))
            return encoded[:position] + bytes([r.randrange(256)]) + encoded[position + 1 :]
        if mutation == 2:
            return encoded.replace(b"1", b"NaN", 1)
        return encoded

    def request(self) -> FuzzRequest:
        r = self.random
        path = r.choice(PATHS)
        how = r.randrange(6)
        if how == 0:
            return FuzzRequest("GET", path, params={"json": self.body().decode("utf-8", "replace")})
        if how == 1:
            return FuzzRequest("POST", path, form={"json": self.body().decode("utf-8", "replace")})
        if how == 2:
            files: dict[str, tuple[str, bytes]] = {}
            for key in r.sample(["strData", "binData", "meta", "data"], r.randint(1, 2)):
                files[key] = ("part", bytes(r.randrange(256) for _ in range(r.randint(0, 12))))
            return FuzzRequest("POST", path, files=files)
        if how == 3:
            content_type = r.choice(["application/json", "text/plain", "application/octet-stream", "", "multipart/form-data"])
            return FuzzRequest(r.choice(["POST", "PUT", "DELETE", "PATCH"]), path, self.body(), {"Content-Type": content_type})
        if how == 4:
            raw = base64.b64encode(bytes(r.randrange(256) for _ in range(8))).decode()
            return FuzzRequest("POST", path, self.body(), {"Content-Type": "application/json", "X-Junk": raw})
        return FuzzRequest("POST", path, self.body(), {"Content-Type": "application/json"})
