"""The inputs of the CNN-unit render kinds (``unit_synthetic``, ``unit_natural``): checked,
typed, and hashed into a stimulus key (no Django, no torch at import)."""

from __future__ import annotations

import hashlib

from explainers.prerender import canonical_json


def checked(kind: str, spec: dict, inputs: dict) -> dict:
    """``inputs`` with exactly the keys of ``spec`` (name -> type); ints pass as floats."""
    if not isinstance(inputs, dict) or set(inputs) != set(spec):
        raise ValueError(f"{kind} needs inputs {sorted(spec)}, got {sorted(inputs or {})}")
    out = {}
    for name, typ in spec.items():
        value = inputs[name]
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, typ):
            raise ValueError(f"{kind} input {name!r} must be {typ.__name__}, got {value!r}")
        out[name] = value
    return out


def key_of(kind: str, version: str, inputs: dict, *, uses_generator: bool) -> str:
    """SHA-256 of the kind, its version, the inputs but the bundle's path (its hash is an
    input) and, when ``uses_generator`` (its images are Two4Two scenes), the generator's code."""
    from explainers.synthetic import code_version

    payload = {"kind": kind, "version": version,
               "inputs": {k: v for k, v in inputs.items() if k != "bundle"}}
    if uses_generator:
        payload["generator"] = code_version()
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def load_checked_model(inputs: dict, device: str):
    from explainers.models.model_registry import load_model

    model = load_model(inputs["bundle"], device=device)
    if model.bundle_hash != inputs["bundle_hash"]:
        raise ValueError(f"bundle {inputs['bundle']} has hash {model.bundle_hash}, the inputs "
                         f"name {inputs['bundle_hash']}")
    return model
