"""Publishing is all or nothing: a failed build leaves the previous release untouched."""

from __future__ import annotations

import pytest

from atlas.publish import publish


def test_publish_replaces_the_folder_whole(tmp_path):
    target = tmp_path / "build"
    publish({"index.html": b"one", "data/a.csv": b"1"}, target)
    publish({"index.html": b"two"}, target)
    assert (target / "index.html").read_bytes() == b"two"
    assert not (target / "data").exists()  # nothing of the old release lingers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no staging left


def test_failure_while_writing_keeps_the_previous_release(tmp_path):
    target = tmp_path / "build"
    publish({"index.html": b"old"}, target)
    with pytest.raises(TypeError):
        publish({"index.html": b"new", "bad.html": "not bytes"}, target)  # type: ignore[dict-item]
    assert (target / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
