"""benchmarks/image_choice.py runs with one command and reports both medians, their ratio and
the model's predictions (a tiny TorchScript model on a small generated folder)."""

import json
import sys
from pathlib import Path

from tests.fixtures.tiny_models import tiny_torchscript_bundle

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def test_it_times_both_ways_and_writes_the_figures(tmp_path, capsys):
    import image_choice

    bundle = tiny_torchscript_bundle(tmp_path / "ts")
    out = tmp_path / "figures.json"
    assert image_choice.main(["--checkpoint", str(bundle), "--pool", "12", "--images", "6",
                              "--size", "32", "--repeats", "2", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert {k: len(v) for k, v in figures["seconds"].items()} == {"with model": 2, "without": 2}
    assert figures["ratio"] == figures["median_s"]["with model"] / figures["median_s"]["without"]
    printed = capsys.readouterr().out
    assert "6 images at 32 px, model torchscript" in printed and "ratio" in printed
    (line,) = [x for x in printed.splitlines() if x.startswith("predicted: ")]
    counts = [int(part.split()[-1]) for part in line.removeprefix("predicted: ").split(", ")]
    assert sum(counts) == 6
