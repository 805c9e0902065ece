"""Fuzzed gRPC requests (valid messages mutated byte by byte, and noise): a result or INVALID_ARGUMENT, never
INTERNAL or UNKNOWN, and the server keeps serving."""

from __future__ import annotations

import random
from collections import Counter

import grpc
from microservice_process import Microservice
from seldon_s2i.protos import prediction_pb2

REQUESTS = 600
METHODS = ["/seldon.protos.Model/Predict", "/seldon.protos.Seldon/Predict", "/seldon.protos.Transformer/TransformInput",
           "/seldon.protos.Generic/SendFeedback", "/seldon.protos.Combiner/Aggregate"]


def _seeds() -> list[bytes]:
    tensor = prediction_pb2.SeldonMessage()
    tensor.data.tensor.shape.extend([2, 2])
    tensor.data.tensor.values.extend([1.0, 2.0, 3.0, 4.0])
    ndarray = prediction_pb2.SeldonMessage()
    ndarray.data.names.extend(["a", "b"])
    ndarray.data.ndarray.append([1, 2])  # type: ignore[arg-type]
    text = prediction_pb2.SeldonMessage(strData="hello")
    text.meta.tags["k"].string_value = "v"
    binary = prediction_pb2.SeldonMessage(binData=b"\x00\x01")
    tf = prediction_pb2.SeldonMessage()
    tf.data.tftensor.dtype = 1
    tf.data.tftensor.tensor_shape.dim.add().size = 2
    tf.data.tftensor.float_val.extend([1.0, 2.0])
    feedback = prediction_pb2.Feedback(request=tensor, response=ndarray, reward=1.0)
    listing = prediction_pb2.SeldonMessageList(seldonMessages=[tensor, ndarray])
    return [m.SerializeToString() for m in (tensor, ndarray, text, binary, tf, feedback, listing)]


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        how = rng.randrange(4)
        if how == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif how == 1 and data:
            del data[rng.randrange(len(data)) :]
        elif how == 2:
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def test_fuzzed_grpc_requests_get_a_result_or_invalid_argument(echo: Microservice) -> None:
    rng = random.Random(20261129)
    seeds = _seeds()
    codes: Counter[str] = Counter()
    failures = []
    with echo.channel() as channel:
        calls = {m: channel.unary_unary(m, request_serializer=lambda b: b, response_deserializer=lambda b: b) for m in METHODS}
        for number in range(REQUESTS):
            method = rng.choice(METHODS)
            draw = rng.random()
            if draw < 0.25:
                payload = rng.choice(seeds)  # valid, though maybe not for this rpc's message type
            elif draw < 0.9:
                payload = _mutate(rng, rng.choice(seeds))
            else:
                payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
            try:
                calls[method](payload, timeout=30)
                codes["OK"] += 1
            except grpc.RpcError as error:
                code = error.code()
                codes[code.name] += 1
                if code is not grpc.StatusCode.INVALID_ARGUMENT:
                    failures.append(f"#{number} {method} {payload!r:.120}: {code.name} {error.details()}")
        assert calls["/seldon.protos.Model/Predict"](seeds[2], timeout=10)
    assert not failures, f"{len(failures)} bad answers ({codes}):\n" + "\n".join(failures[:10])
    assert codes["OK"] > REQUESTS // 10 and codes["INVALID_ARGUMENT"] > REQUESTS // 10, codes
    assert echo.process.poll() is None
