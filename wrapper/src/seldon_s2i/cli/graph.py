"""``seldon-s2i graph <graph>``: draw a SeldonDeployment's predictor graph.

Always DOT text (stdout, or ``-o file.dot``); ``-o file.svg`` or ``-o file.png`` renders
it with Graphviz's ``dot``, which must then be installed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import Any

from seldon_graph import to_dot

from seldon_s2i.cli.errors import CommandError
from seldon_s2i.localrun.plan import choose_predictor, load

RENDERED = {".svg": "svg", ".png": "png"}


def run(args: argparse.Namespace) -> int:
    path = Path(args.graph)
    deployment, _ = load(path)
    predictor = deployment.spec.predictors[choose_predictor(path, deployment, args.predictor)]
    dot = to_dot(predictor, f"{deployment.name or path.stem}/{predictor.name}")
    if args.output is None:
        print(dot, end="")
        return 0
    output = Path(args.output)
    form = RENDERED.get(output.suffix.lower())
    if form is None:
        output.write_text(dot, encoding="utf-8")
        return 0
    graphviz = shutil.which("dot")
    if graphviz is None:
        raise CommandError(f"-o {output}: drawing {form.upper()} needs Graphviz's `dot` on PATH "
                           "(install graphviz, or write .dot text with -o graph.dot)")
    result = subprocess.run([graphviz, f"-T{form}", "-o", str(output)], input=dot.encode(), capture_output=True,
                            timeout=60, check=False)
    if result.returncode != 0:
        raise CommandError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graph", help="draw a SeldonDeployment's graph (DOT; SVG or PNG with Graphviz)",
        description="Print a SeldonDeployment predictor's graph as Graphviz DOT, or draw it to -o FILE "
        "(.svg or .png need Graphviz's dot; any other name gets the DOT text).")
    parser.add_argument("graph", help="SeldonDeployment YAML or JSON file")
    parser.add_argument("--predictor", help="the predictor to draw (default: the only one that is not a shadow)")
    parser.add_argument("-o", "--output", help="write to this file instead of stdout (.dot, .svg, .png)")
    parser.set_defaults(handler=run)
