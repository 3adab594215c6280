"""Gradual interventions and expected property gradient magnitudes (Penzel & Denzler).

For an image and a factor of the Two4Two generator, the factor is set to ``N`` equidistant values
along its range, the rest of the scene held fixed, and the model's output is read along that
path (:mod:`.paths`). The score ``E[|grad_X|]`` is the mean magnitude of the finite-difference
derivative along the path (:mod:`.finite_differences`, :mod:`.scores`); its significance comes
from the shuffle test of the paper's Algorithm 1 (:mod:`.permutation`). Imports torch, numpy and
pandas only (no Django): it runs on a GPU machine.
"""

from .finite_differences import derivative_matrix, fornberg_weights
from .permutation import PermutationTest, permutation_test
from .scores import property_gradient_score

__all__ = [
    "PermutationTest",
    "derivative_matrix",
    "fornberg_weights",
    "permutation_test",
    "property_gradient_score",
]
