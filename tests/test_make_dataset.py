"""make_dataset command and write_dataset (tiny datasets, CPU)."""

import hashlib
import json

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command
from PIL import Image

from explainers.synthetic import FACTORS, code_version, get_sampler, render
from explainers.synthetic.io import read_dataset, write_dataset


def _make(out, *extra, n=6):
    call_command(
        "make_dataset", "--sampler", "study", "--n", str(n), "--seed", "3", "--size", "32",
        "--out", str(out), "--batch-size", "4", *extra, verbosity=0,
    )  # fmt: skip


def test_writes_images_params_and_manifest(tmp_path):
    out = tmp_path / "ds"
    _make(out, "--param", "color_strength=5")
    files = sorted((out / "images").iterdir())
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(6)]
    assert Image.open(files[0]).size == (32, 32)
    scenes, paths, manifest = read_dataset(out)
    assert len(scenes) == 6 and paths[0] == out / "images" / "000000.png"
    header = (out / "params.csv").read_text().splitlines()[0].split(",")
    assert header == ["file", *FACTORS, "label"]
    assert manifest["sampler"]["name"] == "study"
    assert manifest["sampler"]["color_strength"] == 5.0
    assert (manifest["seed"], manifest["n"], manifest["size"]) == (3, 6, 32)
    assert manifest["code_version"] == code_version()
    # the scenes are the sampler's, and the PNGs are the renderer's pixels
    expected = get_sampler("study", color_strength=5).sample(
        6, generator=torch.Generator().manual_seed(3)
    )
    assert torch.equal(scenes.legs_position, expected.legs_position)
    assert torch.equal(scenes.label, expected.label)
    pixels = (
        torch.tensor(np.asarray(Image.open(files[2])), dtype=torch.float32).reshape(-1, 3) / 255
    )
    rendered = render(expected[2], size=32).images[0].permute(1, 2, 0).reshape(-1, 3)
    assert (pixels - rendered).abs().max() <= 0.5 / 255 + 1e-6
    # the content hash covers params.csv and every image
    digest = hashlib.sha256((out / "params.csv").read_bytes())
    for f in files:
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    assert manifest["content_hash"] == digest.hexdigest()


def test_same_seed_same_content_hash_and_batch_size_does_not_matter(tmp_path):
    a = write_dataset(
        tmp_path / "a", sampler=get_sampler("unbiased"), n=5, seed=1, size=16, progress=False
    )
    b = write_dataset(
        tmp_path / "b",
        sampler=get_sampler("unbiased"),
        n=5,
        seed=1,
        size=16,
        batch_size=2,
        progress=False,
    )
    c = write_dataset(
        tmp_path / "c", sampler=get_sampler("unbiased"), n=5, seed=2, size=16, progress=False
    )
    assert a["content_hash"] == b["content_hash"] != c["content_hash"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sampler", "nope"], "unknown sampler 'nope'"),
        (["--n", "0"], "n must be a positive integer"),
        (["--size", "-4"], "size must be a positive integer"),
        (["--size", "big"], "invalid int value"),
        (["--param", "color_strength"], "NAME=NUMBER"),
        (["--param", "color_strength=x"], "not a number"),
        (["--param", "nonsense=1"], "bad parameters for sampler"),
    ],
)
def test_bad_arguments_give_command_errors(tmp_path, args, message):
    base = {"--sampler": "study", "--n": "2", "--size": "16", "--out": str(tmp_path / "x")}
    argv = []
    for key, value in base.items():
        if key not in args:
            argv += [key, value]
    with pytest.raises(CommandError, match=message):
        call_command("make_dataset", *argv, *args, verbosity=0)


def test_refuses_non_empty_out_without_force(tmp_path):
    out = tmp_path / "ds"
    _make(out, n=2)
    first = json.loads((out / "manifest.json").read_text())
    with pytest.raises(CommandError, match="not empty"):
        _make(out, n=3)
    _make(out, "--force", n=3)
    assert len(list((out / "images").iterdir())) == 3
    assert json.loads((out / "manifest.json").read_text())["n"] == 3 != first["n"]
