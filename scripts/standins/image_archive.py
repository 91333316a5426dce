#!/usr/bin/env python3
"""Write a `docker load`able archive of one root filesystem layer with a config we choose.

`docker import --platform linux/arm64` on Engine 20.10 records amd64 in the image config, so
the engine (and lambdacheck, which asks it) would believe the image is amd64. Writing the
config ourselves makes it say the true architecture.

    image_archive.py --layer LAYER.tar --tag REPO:TAG --arch arm64 \
        [--env K=V]... [--workdir DIR] [--entrypoint JSON] [--label K=V]... OUT.tar
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from datetime import datetime, timezone
from pathlib import Path

_VARIANTS = {"arm64": "v8"}
_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pairs(items: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items)


def image_config(args: argparse.Namespace, diff_id: str) -> dict[str, object]:
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    config: dict[str, object] = {
        "Env": args.env,
        "WorkingDir": args.workdir,
        "Entrypoint": json.loads(args.entrypoint) if args.entrypoint else None,
        "Labels": _pairs(args.label),
    }
    document: dict[str, object] = {
        "architecture": args.arch,
        "os": "linux",
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": created, "created_by": "scripts/build_standins.sh"}],
    }
    if args.arch in _VARIANTS:
        document["variant"] = _VARIANTS[args.arch]
    return document


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def write_archive(args: argparse.Namespace) -> None:
    layer = Path(args.layer)
    diff_id = _sha256(layer)
    config = json.dumps(image_config(args, diff_id), sort_keys=True).encode()
    config_name = f"{hashlib.sha256(config).hexdigest()}.json"
    layer_name = f"{diff_id}/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [args.tag], "Layers": [layer_name]}]
    with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as archive:
        _add_bytes(archive, config_name, config)
        archive.add(layer, arcname=layer_name)
        _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--label", action="append", default=[])
    parser.add_argument("--workdir", default="")
    parser.add_argument("--entrypoint", default="")
    parser.add_argument("out")
    write_archive(parser.parse_args())


if __name__ == "__main__":
    main()
