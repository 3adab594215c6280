"""Writes docs/generator/contact-sheet.png (each factor varied alone) and
docs/generator/samples-study.png (16 random study-sampler scenes with their labels).

    python benchmarks/contact_sheet.py [--out docs/generator]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from explainers.synthetic import get_sampler  # noqa: E402
from explainers.synthetic.sheets import contact_sheet, sample_sheet  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Render the generator's documentation figures.")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "generator")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    contact_sheet().save(args.out / "contact-sheet.png", optimize=True)
    sample_sheet(get_sampler("study"), n=16, seed=0).save(
        args.out / "samples-study.png", optimize=True
    )
    print(f"wrote {args.out / 'contact-sheet.png'} and {args.out / 'samples-study.png'}")


if __name__ == "__main__":
    main()
