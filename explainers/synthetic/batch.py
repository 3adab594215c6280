"""``SceneBatch``: one float32 tensor per factor plus the class label."""

from __future__ import annotations

import dataclasses

import torch

from .factors import FACTOR_RANGES, FACTORS

_TOLERANCE = 1e-5


@dataclasses.dataclass
class SceneBatch:
    """N scenes: one float32 tensor ``[N]`` per factor (see ``FACTORS``) and ``label`` (int64,
    0 = Peeky, 1 = Stretchy). Index with an int, slice or index tensor to get a sub-batch, or with
    a factor name to get its tensor."""

    legs_position: torch.Tensor
    color: torch.Tensor
    shape: torch.Tensor
    background: torch.Tensor
    yaw: torch.Tensor
    roll: torch.Tensor
    pitch: torch.Tensor
    bending: torch.Tensor
    position_x: torch.Tensor
    position_y: torch.Tensor
    label: torch.Tensor

    def __post_init__(self):
        n = None
        for name in (*FACTORS, "label"):
            value = torch.as_tensor(getattr(self, name))
            dtype = torch.int64 if name == "label" else torch.float32
            value = value.to(dtype).reshape(-1)
            if n is not None and value.shape[0] != n:
                raise ValueError(f"SceneBatch: {name} has {value.shape[0]} entries, expected {n}")
            n = value.shape[0]
            setattr(self, name, value)

    def __len__(self) -> int:
        return self.label.shape[0]

    @property
    def device(self) -> torch.device:
        return self.label.device

    def __getitem__(self, index):
        if isinstance(index, str):
            if index not in FACTORS and index != "label":
                raise KeyError(f"unknown factor {index!r}; factors are {', '.join(FACTORS)}")
            return getattr(self, index)
        if isinstance(index, int):
            index = slice(index, index + 1) if index != -1 else slice(-1, None)
        return SceneBatch(**{name: t[index] for name, t in self.tensors().items()})

    def tensors(self) -> dict[str, torch.Tensor]:
        """Factor name (and ``label``) -> tensor, in ``FACTORS`` order."""
        return {name: getattr(self, name) for name in (*FACTORS, "label")}

    def replace(self, **values) -> SceneBatch:
        """Copy with some factors replaced (scalars are broadcast to ``[N]``)."""
        tensors = {name: t.clone() for name, t in self.tensors().items()}
        for name, value in values.items():
            if name not in tensors:
                raise KeyError(f"unknown factor {name!r}")
            value = torch.as_tensor(value, device=self.device)
            tensors[name] = torch.broadcast_to(value, (len(self),)).clone()
        return SceneBatch(**tensors)

    def to(self, device) -> SceneBatch:
        return SceneBatch(**{name: t.to(device) for name, t in self.tensors().items()})

    @staticmethod
    def cat(batches) -> SceneBatch:
        batches = list(batches)
        if not batches:
            raise ValueError("SceneBatch.cat needs at least one batch")
        return SceneBatch(
            **{name: torch.cat([b[name] for b in batches]) for name in (*FACTORS, "label")}
        )

    def check_ranges(self) -> None:
        """Raise ValueError naming every factor with values outside ``FACTOR_RANGES``."""
        problems = []
        for name in FACTORS:
            lo, hi = FACTOR_RANGES[name]
            t = getattr(self, name)
            bad = ~torch.isfinite(t) | (t < lo - _TOLERANCE) | (t > hi + _TOLERANCE)
            if bool(bad.any()):
                first = float(t[bad][0])
                problems.append(
                    f"{name} ({int(bad.sum())} values, e.g. {first:g}, outside [{lo:g}, {hi:g}])"
                )
        bad_labels = (self.label != 0) & (self.label != 1)
        if bool(bad_labels.any()):
            problems.append(f"label ({int(bad_labels.sum())} values not 0 or 1)")
        if problems:
            raise ValueError("out-of-range scene parameters: " + "; ".join(problems))

    def to_frame(self):
        """pandas DataFrame with one column per factor plus ``label``."""
        import pandas as pd

        return pd.DataFrame({name: t.detach().cpu().numpy() for name, t in self.tensors().items()})

    @classmethod
    def from_frame(cls, frame, *, device="cpu") -> SceneBatch:
        """Inverse of :meth:`to_frame`; extra columns (e.g. ``file``) are ignored."""
        missing = [name for name in (*FACTORS, "label") if name not in frame.columns]
        if missing:
            raise ValueError(f"scene table lacks the column(s): {', '.join(missing)}")
        tensors = {}
        for name in (*FACTORS, "label"):
            column = frame[name]
            try:
                values = column.to_numpy(dtype="float64")
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {name} is not numeric") from exc
            if name == "label" and ((values != 0) & (values != 1)).any():
                raise ValueError("column label must hold only 0 (Peeky) and 1 (Stretchy)")
            tensors[name] = torch.tensor(values, device=device)
        batch = cls(**tensors)
        batch.check_ranges()
        return batch
