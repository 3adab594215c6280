"""Content-addressed, atomic publication of stimuli (docs/architecture.md, Contract 3)."""

import hashlib
import json
import os
import socket
import subprocess
import sys

import pytest
from PIL import Image

from explainers.prerender import (
    ManifestError,
    load_manifest,
    remove_stale_temporaries,
    render_stimulus,
    stimulus_key,
    variant_seed,
)
from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model

CONTRACT_KEYS = {"key", "explainer", "version", "params", "seed", "checkpoint_hash",
                 "dataset_hash", "rows", "cols", "row_labels", "col_labels", "grid_image",
                 "cells", "files", "created"}
CELL_KEYS = {"row", "col", "file", "sha256", "logit", "scene", "extra"}


@pytest.fixture(scope="module")
def model_data():
    return tiny_model(), blob_pool()


def test_key_covers_every_input_and_canonicalises_params():
    base = stimulus_key("baseline", {}, "ckpt", "data", 1)
    assert len(base) == 64 and int(base, 16) >= 0
    assert stimulus_key("baseline", {"rows": 10, "percentiles": [1, 99]}, "ckpt", "data", 1) == base
    others = {
        stimulus_key("baseline", {"rows": 9}, "ckpt", "data", 1),
        stimulus_key("inn", {}, "ckpt", "data", 1),
        stimulus_key("baseline", {}, "ckpt2", "data", 1),
        stimulus_key("baseline", {}, "ckpt", "data2", 1),
        stimulus_key("baseline", {}, "ckpt", "data", 2),
    }
    assert base not in others and len(others) == 5


def test_key_depends_on_the_explainer_version():
    from explainers.plugins.baseline import Baseline

    class Baseline2(Baseline):
        version = "2"

    assert stimulus_key(Baseline2(), {}, "c", "d", 0) != stimulus_key(Baseline(), {}, "c", "d", 0)


def test_variant_seeds_are_explicit_and_distinct():
    seeds = [variant_seed(7, v) for v in range(20)]
    assert seeds == [variant_seed(7, v) for v in range(20)]
    assert len(set(seeds)) == 20 and variant_seed(8, 0) != seeds[0]
    assert all(0 <= s < 2**63 for s in seeds)


def test_publish_manifest_and_files(model_data, tmp_path):
    model, data = model_data
    manifest = render_stimulus("baseline", {}, model=model, data=data, seed=3, root=tmp_path)
    key = stimulus_key("baseline", {}, model.bundle_hash, data.hash, 3)
    assert manifest["key"] == key
    assert set(manifest) == CONTRACT_KEYS
    assert (manifest["rows"], manifest["cols"], len(manifest["cells"])) == (10, 5, 50)
    assert manifest["params"] == {"rows": 10, "percentiles": [1.0, 99.0]}
    assert manifest["col_labels"][0] == "very certain Peeky"
    cell = manifest["cells"][7]
    assert set(cell) == CELL_KEYS and (cell["row"], cell["col"], cell["file"]) == (1, 2, "r01c02.png")
    assert "legs_position" in cell["scene"]
    assert Image.open(tmp_path / key / cell["file"]).size == (32, 32)
    grid = Image.open(tmp_path / key / "grid.png")
    assert grid.size[0] > 5 * 128 and grid.size[1] > 10 * 128
    assert load_manifest(tmp_path, key) == manifest
    assert json.loads((tmp_path / key / "manifest.json").read_text()) == manifest
    assert [p.name for p in tmp_path.iterdir()] == [key]  # no temporaries left


def test_same_inputs_are_never_rendered_twice(model_data, tmp_path):
    model, data = model_data
    calls = []
    first = render_stimulus("inn", {}, model=model, data=data, seed=1, root=tmp_path,
                            on_rendered=calls.append)
    again = render_stimulus("inn", {}, model=model, data=data, seed=1, root=tmp_path,
                            on_rendered=calls.append)
    assert len(calls) == 1 and again == first
    render_stimulus("inn", {}, model=model, data=data, seed=2, root=tmp_path,
                    on_rendered=calls.append)
    assert len(calls) == 2


def test_failure_before_publication_leaves_nothing(model_data, tmp_path):
    model, data = model_data

    def boom(stimulus):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        render_stimulus("baseline", {}, model=model, data=data, seed=0, root=tmp_path,
                        on_rendered=boom)
    assert list(tmp_path.iterdir()) == []


def test_load_manifest_detects_tampering(model_data, tmp_path):
    model, data = model_data
    key = render_stimulus("baseline", {}, model=model, data=data, seed=5, root=tmp_path)["key"]
    with pytest.raises(ManifestError, match="not a stimulus key"):
        load_manifest(tmp_path, "../etc")
    with pytest.raises(ManifestError, match="not published"):
        load_manifest(tmp_path, "0" * 64)
    (tmp_path / key / "r03c04.png").write_bytes(b"not a png")
    with pytest.raises(ManifestError, match="r03c04.png is missing or does not match"):
        load_manifest(tmp_path, key)
    manifest = json.loads((tmp_path / key / "manifest.json").read_text())
    manifest["seed"] = 6
    (tmp_path / key / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="hash to"):
        load_manifest(tmp_path, key)


def test_grid_and_meta_are_hashed_and_verified(model_data, tmp_path):
    model, data = model_data
    manifest = render_stimulus("baseline", {}, model=model, data=data, seed=7, root=tmp_path)
    folder = tmp_path / manifest["key"]
    assert set(manifest["files"]) == {"grid.png", "meta.json"}
    assert manifest["files"]["grid.png"] == hashlib.sha256(
        (folder / "grid.png").read_bytes()).hexdigest()
    grid = (folder / "grid.png").read_bytes()
    (folder / "grid.png").write_bytes(grid[: len(grid) // 2])  # a truncated grid
    with pytest.raises(ManifestError, match="grid.png is missing or does not match"):
        load_manifest(tmp_path, manifest["key"])
    (folder / "grid.png").write_bytes(grid)
    (folder / "meta.json").write_text("{}")
    with pytest.raises(ManifestError, match="meta.json is missing or does not match"):
        load_manifest(tmp_path, manifest["key"])


def test_unlisted_files_and_unhashed_manifests_are_refused(model_data, tmp_path):
    model, data = model_data
    key = render_stimulus("baseline", {}, model=model, data=data, seed=8, root=tmp_path)["key"]
    (tmp_path / key / "extra.png").write_bytes(b"x")
    with pytest.raises(ManifestError, match=r"unlisted file\(s\) \['extra.png'\]"):
        load_manifest(tmp_path, key)
    (tmp_path / key / "extra.png").unlink()
    manifest = json.loads((tmp_path / key / "manifest.json").read_text())
    del manifest["files"]  # as published before grid and meta were hashed
    (tmp_path / key / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="no 'files' hashes"):
        load_manifest(tmp_path, key)


def test_a_broken_publication_is_moved_aside_and_rendered_again(model_data, tmp_path):
    model, data = model_data
    first = render_stimulus("baseline", {}, model=model, data=data, seed=9, root=tmp_path)
    grid = tmp_path / first["key"] / "grid.png"
    good = grid.read_bytes()
    grid.write_bytes(good[:100])
    again = render_stimulus("baseline", {}, model=model, data=data, seed=9, root=tmp_path)
    assert again["key"] == first["key"] and grid.read_bytes() == good
    assert load_manifest(tmp_path, first["key"])["files"] == first["files"]
    broken = [p for p in tmp_path.iterdir() if p.name.startswith(f".broken-{first['key']}-")]
    assert len(broken) == 1 and (broken[0] / "grid.png").read_bytes() == good[:100]


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    key = "a" * 64
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = socket.gethostname()
    stale = tmp_path / f".tmp-{key}-{host}-{dead}"
    alive = tmp_path / f".tmp-{key}-{host}-{os.getppid()}"
    other_key = tmp_path / f".tmp-{'b' * 64}-{host}-{dead}"
    for folder in (stale, alive, other_key):
        folder.mkdir()
    assert remove_stale_temporaries(tmp_path, key) == [stale]
    assert not stale.exists() and alive.exists() and other_key.exists()


def test_unknown_explainer_and_bad_params(model_data, tmp_path):
    model, data = model_data
    with pytest.raises(LookupError, match="available: .*baseline"):
        render_stimulus("saliency-x", {}, model=model, data=data, seed=0, root=tmp_path)
    with pytest.raises(ValueError, match="has no parameter"):
        render_stimulus("baseline", {"cols": 3}, model=model, data=data, seed=0, root=tmp_path)
