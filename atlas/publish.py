"""A rendered, audited release -> ``build/`` on disk, all at once or not at all.

Files are written into a temporary folder beside the target and renamed into place
only when every file is written, so that a failed build leaves the previous release
untouched. The manifest records what made the release.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from atlas import __version__
from atlas.config import Config


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(config: Config, *, rule_pack: str) -> bytes:
    """Tool version, config, rule pack, input and boundary checksums, licence, citation."""
    inputs = {
        name: {"path": spec.path, "sha256": sha256(config.path(spec.path))}
        for name in ("enrollment", "schools", "shelters", "cohorts", "resources")
        if (spec := getattr(config.inputs, name)) is not None
    }
    boundaries = {
        layer.name: {"path": layer.file, "sha256": sha256(config.path(layer.file))}
        for layer in config.layers
    }
    settings = dataclasses.asdict(config)
    for internal in ("root", "unknown_keys"):
        settings.pop(internal)
    doc = {
        "tool": "atlas",
        "version": __version__,
        "title": config.title,
        "edition": config.edition,
        "rule_pack": rule_pack,
        "licence": config.licence,
        "citation": config.citation,
        "url": config.url,
        "inputs": inputs,
        "boundaries": boundaries,
        "config": settings,
    }
    return json.dumps(doc, indent=2, sort_keys=False).encode("utf-8") + b"\n"


def publish(files: dict[str, bytes], target: Path) -> None:
    """Write ``files`` (relative path -> bytes) as the folder ``target``, atomically."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        staging.chmod(0o755)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            target.rename(retired / target.name)
            staging.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
