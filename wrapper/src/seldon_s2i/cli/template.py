"""``seldon-s2i template process``: render an OpenShift Template without ``oc``.

Registered by ``seldon_s2i.cli``; the rendering itself is
``seldon_s2i.openshift.templates``. Prints the objects as a ``v1`` List (JSON by
default, like ``oc process``) on stdout, and the template's message, which holds
the webhook URLs and generated secrets, on stderr so a pipe into ``oc apply -f -``
or ``kubectl apply -f -`` stays clean. A rendered SeldonDeployment that breaks
Seldon's graph rules (``seldon_graph.problems``) is an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import seldon_graph
import yaml

from seldon_s2i.assignments import parse_assignment, read_assignment_lines
from seldon_s2i.cli.errors import CommandError
from seldon_s2i.openshift import templates


def collect_values(assignments: list[str], param_files: list[str]) -> dict[str, str]:
    """Parameter values from --param-file lines, then -p (the later source must agree)."""
    pairs: list[tuple[str, str]] = []
    for param_file in param_files:
        pairs.extend(read_assignment_lines(read_text(param_file), param_file))
    pairs.extend(parse_assignment(text, "-p/--param") for text in assignments)
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values and values[name] != value:
            raise CommandError(f"parameter {name} is given twice with different values")
        values[name] = value
    return values


def read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read: {error}") from None


def load_template(path: str) -> Any:
    try:
        return yaml.safe_load(read_text(path))
    except yaml.YAMLError as error:
        raise CommandError(f"{path}: not valid YAML or JSON: {' '.join(str(error).split())}") from None


def parameter_table(template: Any) -> str:
    rows = [("NAME", "DESCRIPTION", "GENERATOR", "VALUE")]
    for parameter in templates.parameters_of(templates.check_template(template)):
        generator = parameter.generate and f"{parameter.generate} {parameter.generate_from}"
        value = parameter.value or ("(required)" if parameter.required else "")
        rows.append((parameter.name, parameter.description.replace("\n", " "), generator, value))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    )


def run(args: argparse.Namespace) -> int:
    template = load_template(args.template)
    try:
        if args.parameters:
            print(parameter_table(template))
            return 0
        values = collect_values(args.param, args.param_file)
        # Like oc: each -l holds one or more comma-separated key=value pairs.
        labels = dict(parse_assignment(pair, "-l/--labels") for text in args.labels for pair in text.split(","))
        result = templates.process(template, values, extra_labels=labels, ignore_unknown=args.ignore_unknown_parameters)
    except templates.TemplateError as error:
        raise CommandError(f"{args.template}: {error}") from None
    broken = [
        f"SeldonDeployment {item.get('metadata', {}).get('name', '?')}: {problem}"
        for item in result.objects
        if item.get("kind") == "SeldonDeployment"
        for problem in seldon_graph.problems(item)
    ]
    if broken:
        raise CommandError(f"{args.template}: the rendered graph would not run: {'; '.join(broken)}")
    if args.output == "yaml":
        sys.stdout.write(yaml.safe_dump(result.as_list(), sort_keys=False))
    else:
        sys.stdout.write(json.dumps(result.as_list(), indent=2) + "\n")
    if result.message and not args.quiet:
        print(result.message.rstrip(), file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    template_parser = subparsers.add_parser(
        "template", help="work with OpenShift Templates", description="Work with OpenShift Templates."
    )
    actions = template_parser.add_subparsers(dest="template_command", metavar="ACTION", required=True)
    process_parser = actions.add_parser(
        "process",
        help="render a Template into the objects it creates, like `oc process`",
        description=(
            "Render an OpenShift Template with OpenShift's rules: ${NAME} and ${{NAME}} substitution, "
            "generated values, required parameters, template labels and namespace stripping."
        ),
    )
    process_parser.add_argument("template", help="Template file (YAML or JSON), or - for stdin")
    process_parser.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (repeatable)"
    )
    process_parser.add_argument(
        "--param-file", action="append", default=[], metavar="FILE", help="read NAME=VALUE lines from FILE"
    )
    process_parser.add_argument(
        "-l", "--labels", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
        help="add labels to every object (comma-separated, repeatable)"
    )
    process_parser.add_argument("-o", "--output", choices=("json", "yaml"), default="json", help="output format")
    process_parser.add_argument(
        "--ignore-unknown-parameters", action="store_true", help="ignore -p values the template does not declare"
    )
    process_parser.add_argument("--parameters", action="store_true", help="list the template's parameters and exit")
    process_parser.add_argument("-q", "--quiet", action="store_true", help="do not print the template's message")
    process_parser.set_defaults(handler=run)
