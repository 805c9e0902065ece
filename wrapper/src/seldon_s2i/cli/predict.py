"""``seldon-s2i predict``: send one Seldon message to a running component and print the answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from seldon_s2i import environment
from seldon_s2i.cli.errors import CommandError
from seldon_s2i.client import OPERATIONS, ClientError, call_grpc, call_rest


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="send a Seldon message to a running microservice or graph (REST or gRPC) and print the answer",
        description="Send one Seldon message to a running microservice, or to a graph's orchestrator "
        "(seldon-engine, seldon-s2i run: --endpoint 127.0.0.1:8000, or 127.0.0.1:5001 with --grpc), "
        "and print the JSON answer. "
        "Give the payload as --data (an array: sent as ndarray), --json (a whole SeldonMessage), "
        "--file (a JSON file) or --str.",
    )
    parser.add_argument("--endpoint", default="127.0.0.1:9000", help="host:port of the REST (or, with --grpc, gRPC) server")
    parser.add_argument("--grpc", action="store_true", help="use gRPC instead of REST")
    parser.add_argument("--method", default="predict", choices=sorted(OPERATIONS), help="the operation to call")
    payload = parser.add_mutually_exclusive_group(required=True)
    payload.add_argument("--data", help="a JSON array, e.g. '[[5.1, 3.5, 1.4, 0.2]]'")
    payload.add_argument("--json", help="a whole Seldon message as JSON")
    payload.add_argument("--file", type=Path, help="a file holding a Seldon message as JSON")
    payload.add_argument("--str", dest="str_data", help="a string payload (strData)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the answer")
    parser.add_argument(
        "--max-message-size",
        type=environment.argument_type(environment.parse_size),
        default=None,
        help="largest message to send or accept, in bytes or as a Kubernetes quantity (10Mi, 100M); "
        f"default: the server's, [{environment.MAX_MESSAGE_SIZE}] or 100Mi",
    )
    parser.set_defaults(handler=run)


def _message(args: argparse.Namespace) -> Any:
    try:
        if args.data is not None:
            return {"data": {"ndarray": orjson.loads(args.data)}}
        if args.json is not None:
            return orjson.loads(args.json)
        if args.file is not None:
            return orjson.loads(args.file.read_bytes())
    except orjson.JSONDecodeError as error:
        raise CommandError(f"the payload is not valid JSON: {error}") from None
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}") from None
    return {"strData": args.str_data}


def run(args: argparse.Namespace) -> int:
    limit = args.max_message_size
    if limit is None:
        try:
            limit = environment.max_message_bytes(environment.current())
        except environment.SettingError as error:
            raise CommandError(str(error)) from None
    message = _message(args)
    try:
        if args.grpc:
            answer = call_grpc(args.endpoint, args.method, message, args.timeout, limit)
        else:
            answer = call_rest(args.endpoint, args.method, message, args.timeout, limit)
    except ClientError as error:
        raise CommandError(str(error)) from None
    sys.stdout.write(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
