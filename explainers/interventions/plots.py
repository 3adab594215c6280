"""Figures of a property-gradient run: global scores with mean paths, and local bias vs legs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from explainers.synthetic import OVERLAP  # noqa: E402


def global_figure(paths, test, path, *, title: str = "") -> None:
    """Left: E[|grad_X|] per factor (over images), significant ones filled. Right: the mean
    output along each factor's intervention (grid as a fraction of the factor's range)."""
    factors = list(paths.factors)
    order = np.argsort(test.global_score)[::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=[1, 1.4])
    colors = plt.cm.tab10(np.arange(len(factors)) % 10)
    for rank, f in enumerate(order):
        sig = bool(test.global_significant[f])
        left.barh(rank, test.global_score[f], color=colors[f] if sig else "white",
                  edgecolor=colors[f], hatch=None if sig else "//")
        p = test.global_p[f]
        p_text = f"p < {1 / test.permutations:g}" if p == 0 else f"p = {p:.4g}"
        left.text(test.global_score[f], rank, f"  {test.global_score[f]:.4f} ({p_text})",
                  va="center", fontsize=8)
    left.set_yticks(range(len(factors)), [factors[f] for f in order])
    left.invert_yaxis()
    left.set_xlabel("E[|grad_X|] per step (mean over images)")
    left.set_title(f"global score; filled: p < {test.alpha:g} ({test.permutations} permutations)",
                   fontsize=9)
    left.set_xlim(0, test.global_score.max() * 1.9 if test.global_score.max() > 0 else 1)
    n_points = paths.outputs.shape[-1]
    t = np.linspace(0, 1, n_points)
    for f in order:
        y = paths.outputs[:, f]
        right.plot(t, y.mean(axis=0), "-o", ms=3, color=colors[f], label=factors[f])
    right.set_xlabel("intervention: fraction of the factor's range (low end -> high end)")
    right.set_ylabel(f"model output ({paths.output}), mean over images")
    right.legend(fontsize=7, ncol=2)
    fig.suptitle(title or f"Property gradients, {paths.outputs.shape[0]} images, "
                 f"{n_points} points", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def local_bias_figure(paths, test, path, *, factor: str = "color", bias_strength=None,
                      others=("background", "shape")) -> None:
    """Local scores of ``factor`` (and ``others`` for comparison) against each image's legs
    position; significant images filled; the overlap shaded; the dataset's colour-bias strength
    at that legs position (``bias_strength(legs) -> strength``) on the right axis."""
    factors = list(paths.factors)
    legs = paths.base.legs_position.numpy()
    shown = [factor, *[o for o in others if o in factors and o != factor]]
    fig, axes = plt.subplots(1, len(shown), figsize=(4.6 * len(shown), 4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, shown, strict=True):
        f = factors.index(name)
        score, sig = test.local_score[:, f], test.local_significant[:, f]
        ax.axvspan(*OVERLAP, color="0.85", zorder=0, label="legs overlap [0.48, 0.52]")
        ax.scatter(legs[~sig], score[~sig], s=12, facecolors="none", edgecolors="C0",
                   label=f"p >= {test.alpha:g}")
        ax.scatter(legs[sig], score[sig], s=12, color="C3", label=f"p < {test.alpha:g}")
        ax.set_xlabel("legs position of the image (held fixed)")
        ax.set_title(f"local E[|grad_X|] of {name}: {sig.sum()}/{len(sig)} significant",
                     fontsize=9)
        if bias_strength is not None and name == factor:
            twin = ax.twinx()
            grid = np.linspace(0, 1, 201)
            twin.plot(grid, bias_strength(grid), color="k", lw=1, ls="--",
                      label="dataset's colour-bias strength")
            twin.set_ylabel("colour-bias strength in the training data", fontsize=8)
            twin.legend(loc="upper right", fontsize=7)
    axes[0].set_ylabel(f"local score (output: {paths.output}, per step)")
    axes[0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
