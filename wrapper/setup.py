"""Build hook: compile the .proto files with grpcio-tools before packaging.

The generated modules are written next to the .proto files (and ignored by
git), so regular and editable installs both carry them. Generated imports of
``tensorflow.core.framework`` are pointed at ``seldon_s2i.protos.tf_compat``,
which uses TensorFlow's own TensorProto when TensorFlow is installed (two
definitions of ``tensorflow.TensorProto`` cannot share one descriptor pool).
"""

from __future__ import annotations

import re
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROTO_ROOT = Path(__file__).parent / "src" / "seldon_s2i" / "protos"
TF_IMPORT = re.compile(r"^from tensorflow\.core\.framework import ", re.MULTILINE)


def compile_protos() -> None:
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={PROTO_ROOT}",
        f"--pyi_out={PROTO_ROOT}",
        f"--grpc_python_out={PROTO_ROOT}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {protos}")
    for generated in PROTO_ROOT.rglob("*_pb2*.py*"):
        text = generated.read_text()
        # Our TensorFlow copies import each other directly; the Seldon messages go through tf_compat.
        target = "seldon_s2i.protos.tensorflow.core.framework" if "tensorflow" in generated.parts else "seldon_s2i.protos.tf_compat"
        fixed = TF_IMPORT.sub(f"from {target} import ", text)
        fixed = re.sub(r"^import (\w+_pb2) ", r"from seldon_s2i.protos import \1 ", fixed, flags=re.MULTILINE)
        if fixed != text:
            generated.write_text(fixed)


class BuildPyWithProtos(build_py):
    def run(self) -> None:
        compile_protos()
        super().run()


setup(cmdclass={"build_py": BuildPyWithProtos})
