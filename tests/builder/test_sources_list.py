"""What assemble removes from $HOME when a build starts from the previous image (seldon_s2i.imagebuild.sources_list).

Checks, on real folders: the second install removes files deleted from the source, the bytecode compiled
from the old version and folders left empty, keeps files injected for this build (a build secret's
pip.conf, also inside a folder the sources share) and anything else it did not copy, and records the
new sources; a first install (no record yet) removes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from seldon_s2i.imagebuild.sources_list import install


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_rebuild_replaces_the_old_sources_and_keeps_injected_files(tmp_path: Path) -> None:
    home, listing = tmp_path / "home", tmp_path / "sources.json"
    home.mkdir()
    write(home, {"left-by-the-base-image": "x"})
    old = tmp_path / "v1"
    write(old, {"MyModel.py": "v1", "old_helper.py": "x", "old_package/__init__.py": "", "conf/settings.ini": "1"})
    install(old, home, listing)
    assert (home / "left-by-the-base-image").is_file()  # a first build removes nothing
    write(home, {"__pycache__/MyModel.cpython-311.pyc": "", "old_package/__pycache__/x.pyc": ""})

    # What OpenShift injects before the next assemble, one file inside a folder the sources also have.
    write(home, {".pip-secret/pip.conf": "[global]", "conf/from-a-config-map.ini": "kept"})
    new = tmp_path / "v2"
    write(new, {"MyModel.py": "v2", "conf/settings.ini": "2"})
    install(new, home, listing)

    assert (home / "MyModel.py").read_text() == "v2"
    assert (home / "conf" / "settings.ini").read_text() == "2"
    for gone in ("old_helper.py", "old_package", "__pycache__"):
        assert not (home / gone).exists(), gone
    assert (home / ".pip-secret" / "pip.conf").read_text() == "[global]"
    assert (home / "conf" / "from-a-config-map.ini").read_text() == "kept"
    assert (home / "left-by-the-base-image").is_file()
    assert sorted(json.loads(listing.read_text())) == ["MyModel.py", "conf", "conf/settings.ini"]
