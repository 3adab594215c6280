"""The explainer plugin interface: one tiny base class, one typed parameter schema, one return type.

An explainer turns a model and a pool of validation data into a :class:`Stimulus`, a grid of
images with row and column labels and per-image metadata. Nothing here imports Django.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from .needs import Need


class ParamError(ValueError):
    """Parameters given to an explainer are unknown, of the wrong type or out of range."""


class StimulusError(ValueError):
    """The model and data cannot give a valid stimulus with these parameters (retrying the same
    inputs would fail again)."""


@dataclass
class Cell:
    """One image of a stimulus grid: ``image`` is HxWx3 uint8."""

    image: np.ndarray
    logit: float | None = None
    scene: dict[str, float | str] = field(default_factory=dict)  # an image folder's text too
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.image = as_uint8_image(self.image)
        if self.logit is not None:
            self.logit = float(self.logit)
        self.scene = {str(k): v if isinstance(v, str) else float(v)
                      for k, v in self.scene.items()}


@dataclass
class Stimulus:
    """A rows x cols grid of :class:`Cell`, with labels and stimulus-wide metadata ``meta``."""

    cells: list[list[Cell]]
    row_labels: list[str]
    col_labels: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not self.cells or not self.cells[0]:
            raise ValueError("a stimulus needs at least one cell")
        cols = len(self.cells[0])
        if any(len(row) != cols for row in self.cells):
            raise ValueError("every row of a stimulus must have the same number of cells")
        if len(self.row_labels) != self.rows or len(self.col_labels) != cols:
            raise ValueError(
                f"{self.rows}x{cols} grid needs {self.rows} row labels and {cols} column labels, "
                f"got {len(self.row_labels)} and {len(self.col_labels)}"
            )
        shapes = {cell.image.shape for row in self.cells for cell in row}
        if len(shapes) != 1:
            raise ValueError(f"all images of a stimulus must have one shape, got {sorted(shapes)}")

    @property
    def rows(self) -> int:
        return len(self.cells)

    @property
    def cols(self) -> int:
        return len(self.cells[0])

    def __iter__(self):
        for r, row in enumerate(self.cells):
            for c, cell in enumerate(row):
                yield r, c, cell


def as_uint8_image(image) -> np.ndarray:
    """HxWx3 uint8 from a uint8 array, or a float [0, 1] array/tensor shaped HxWx3 or 3xHxW."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu()
        if image.dtype != torch.uint8:
            image = (image.float().clamp(0, 1) * 255).round().to(torch.uint8)
        image = image.numpy()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 3 and image.shape[-1] != 3:
        image = image.transpose(1, 2, 0)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"an image must be HxWx3, got shape {image.shape}")
    if image.dtype != np.uint8:
        image = (np.clip(image.astype(np.float64), 0, 1) * 255).round().astype(np.uint8)
    return np.ascontiguousarray(image)


class Explainer:
    """Base class of every explainer (a study condition).

    Subclasses set ``name`` and ``version`` (bump it whenever the output for the same inputs
    changes: the version is part of every stimulus key), define a nested ``Params`` dataclass
    with defaults, and implement :meth:`render`. ``Params`` may define ``check(self)`` that raises
    :class:`ParamError` for values out of range. ``needs`` says what the model and image
    source must offer (:class:`~explainers.plugins.needs.Need`); a study condition whose model
    lacks one is refused when the study is loaded.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    needs: ClassVar[frozenset[Need]] = frozenset({Need.LOGITS})

    @dataclass(frozen=True)
    class Params:
        pass

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        raise NotImplementedError

    def render_many(self, model, data, *, rngs, **params) -> list[Stimulus]:
        """One stimulus per generator in ``rngs``, each what :meth:`render` gives with it; an
        explainer that can batch work across stimuli overrides this."""
        return [self.render(model, data, rng=rng, **params) for rng in rngs]

    # -- parameters -------------------------------------------------------------------------
    @classmethod
    def params(cls, **given) -> Params:
        """Validated parameters (defaults filled in); clear :class:`ParamError` otherwise."""
        fields = {f.name: f for f in dataclasses.fields(cls.Params)}
        unknown = sorted(set(given) - set(fields))
        if unknown:
            allowed = ", ".join(sorted(fields)) or "none"
            raise ParamError(
                f"explainer {cls.name!r} has no parameter(s) {', '.join(unknown)}; "
                f"its parameters are: {allowed}"
            )
        hints = typing.get_type_hints(cls.Params)
        values = {k: _coerce(cls.name, k, v, hints[k]) for k, v in given.items()}
        try:
            params = cls.Params(**values)
        except TypeError as exc:  # a field without default that was not given
            raise ParamError(f"explainer {cls.name!r}: {exc}") from None
        check = getattr(params, "check", None)
        if check is not None:
            try:
                check()
            except ParamError as exc:
                raise ParamError(f"explainer {cls.name!r}: {exc}") from None
        return params

    @classmethod
    def param_dict(cls, **given) -> dict[str, Any]:
        """Validated parameters as a JSON-ready dict (tuples become lists)."""
        return _jsonable(dataclasses.asdict(cls.params(**given)))

    @classmethod
    def param_schema(cls) -> list[tuple[str, str, Any]]:
        """``(name, type, default)`` for every parameter, for listings and docs."""
        hints = typing.get_type_hints(cls.Params)
        out = []
        for f in dataclasses.fields(cls.Params):
            default = f.default if f.default is not dataclasses.MISSING else None
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            out.append((f.name, _type_name(hints[f.name]), default))
        return out


def _type_name(tp) -> str:
    return getattr(tp, "__name__", None) if isinstance(tp, type) else str(tp).replace("typing.", "")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _coerce(explainer: str, name: str, value, tp):
    """Check ``value`` against the annotation ``tp``; ints are accepted for floats, lists for tuples."""
    where = f"explainer {explainer!r}: parameter {name!r}"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise ParamError(f"{where} must be one of {list(typing.get_args(tp))}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            if option is type(None) and value is None:
                return None
            try:
                return _coerce(explainer, name, value, option)
            except ParamError:
                continue
        raise ParamError(f"{where} must be {_type_name(tp)}, got {value!r}")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise ParamError(f"{where} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(explainer, name, v, args[0]) for v in value)
        if len(value) != len(args):
            raise ParamError(f"{where} must have {len(args)} items, got {value!r}")
        return tuple(_coerce(explainer, name, v, a) for v, a in zip(value, args, strict=True))
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError(f"{where} must be an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ParamError(f"{where} must be true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ParamError(f"{where} must be a string, got {value!r}")
        return value
    raise ParamError(f"{where} has an unsupported type {_type_name(tp)}")
