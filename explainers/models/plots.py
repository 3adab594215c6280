"""PNG plots of the ground truth (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def importance_bars(factors: dict, path, threshold: float) -> Path:
    """Bar charts of R^2 and prediction flip per factor (sorted by R^2)."""
    names = sorted(factors, key=lambda f: -factors[f]["r2"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].bar(names, [factors[f]["r2"] for f in names], color="tab:blue")
    axes[0].axhline(threshold, color="tab:red", ls="--", lw=1, label=f"threshold {threshold}")
    axes[0].set_ylabel("R² (factor change → logit change)")
    axes[0].legend()
    axes[1].bar(names, [factors[f]["prediction_flip_pct"] for f in names], color="tab:orange")
    axes[1].set_ylabel("prediction flip [%]")
    for ax in axes:
        ax.tick_params(axis="x", rotation=60)
    fig.suptitle("Ground-truth importance of each factor for the model")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def counterfactual_curves(cf: dict, path, max_lines: int = 40) -> Path:
    """Observer-read factor values along counterfactual interpolations (paper Figure 6).

    Rows whose images stayed on the data (``cf["clean"]``) are drawn in colour, rows with
    clamped artefacts in grey; the titles give the mean max change of both."""
    names = list(cf["curves"])
    clean = np.asarray(cf.get("clean", np.ones(len(cf["curves"][names[0]]), dtype=bool)))
    cols = 5
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.7 * rows), sharex=True)
    for ax, name in zip(np.ravel(axes), names, strict=False):
        for line, ok in list(zip(cf["curves"][name], clean, strict=True))[:max_lines]:
            if ok:
                ax.plot(cf["targets"], line, lw=0.8, alpha=0.6)
            else:
                ax.plot(cf["targets"], line, lw=0.6, alpha=0.35, color="0.6")
        title = f"{name}\nmax change {cf['max_change'][name][0]:.3f}"
        if "max_change_clean" in cf:
            title += f", clean rows {cf['max_change_clean'][name][0]:.3f}"
        ax.set_title(title, fontsize=8.5)
        ax.set_ylim(-0.05, 1.05)
    for ax in np.ravel(axes)[len(names):]:
        ax.axis("off")
    for ax in np.ravel(axes)[-cols:]:
        ax.set_xlabel("target logit")
    fig.suptitle("Factors read by the observer along INN counterfactual interpolations "
                 f"({int(clean.sum())} of {len(clean)} rows without clamped artefacts in colour)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def counterfactual_examples(start, result, targets, width: float, path, *,
                            max_clipped: float = 0.01) -> Path:
    """Start images (first column) and their counterfactuals, one row each, titled with the
    target and achieved logit. A red frame marks an image with more than ``max_clipped`` of its
    pixel values clamped, an orange title a miss of more than 1% of ``width``."""
    images = result.images.detach().cpu().permute(0, 1, 3, 4, 2).numpy()
    achieved = result.achieved_logits.detach().cpu().numpy()
    clipped = result.clipped.detach().cpu().numpy()
    targets = np.asarray(targets, dtype=float)
    n, k = achieved.shape
    fig, axes = plt.subplots(n, k + 1, figsize=(1.55 * (k + 1), 1.7 * n), squeeze=False)
    for r in range(n):
        axes[r, 0].imshow(start[r].detach().cpu().permute(1, 2, 0).numpy())
        axes[r, 0].set_title("start", fontsize=7)
        for c in range(k):
            ax = axes[r, c + 1]
            ax.imshow(images[r, c])
            miss = abs(achieved[r, c] - targets[c]) > 0.01 * width
            ax.set_title(f"{targets[c]:.1f} -> {achieved[r, c]:.1f}", fontsize=7,
                         color="tab:orange" if miss else "black")
            if clipped[r, c] > max_clipped:
                for side in ax.spines.values():
                    side.set(color="red", linewidth=2.5)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"INN counterfactuals (target -> achieved logit of the 8-bit image); red frame: "
                 f"> {max_clipped:.0%} of pixel values clamped; orange: misses by > 1%",
                 fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
