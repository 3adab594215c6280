"""The alpha search's evaluations on a shown logit that rises in steps (as 8-bit rounding
makes it): a secant guess next to the bracket's end is kept, moved 10% into the bracket, not
replaced by bisection, which took more evaluations to reach the same tolerance."""

import torch

from explainers.models import counterfactual
from explainers.models.classifier import Encoding


class _StepLine:
    """One feature z, shown as a 1x1 image of value z; the shown logit rises with slope 2 and
    jumps by 1/128 every 1/64 of z, so a secant between two close alphas is a poor slope."""

    device = torch.device("cpu")
    w = torch.ones(1)

    def logit_from_z(self, z):
        return z @ self.w

    def decode(self, enc, clamp=True):
        return enc.z[:, :, None, None].expand(-1, 3, 1, 1)

    def logit(self, images):
        v = images[:, 0, 0, 0]
        return 2 * v + torch.floor(v * 64) / 128


def test_search_reaches_step_targets_with_few_evaluations():
    n = 40
    targets = torch.linspace(0.3, 2.0, n)
    found = counterfactual(
        _StepLine(),
        None,
        targets,
        search_steps=30,
        tol=6e-3,
        encoding=Encoding(z=torch.full((n, 1), 0.1), faded=()),
    )
    assert bool(((found.achieved_logits - targets).abs() <= 6e-3).all())
    # 171 evaluations with the secant moved into the bracket, 211 with bisection instead
    assert int(found.steps.sum()) <= 180
