"""What a page shows of a scored scene (the endpoint's JSON and the explorer page's context)."""

from __future__ import annotations

import base64


def picture(probe) -> dict:
    return {"score": round(probe.score, 4), "label": probe.label,
            "confidence": round(probe.confidence, 4), "cached": probe.cached,
            "image": "data:image/png;base64," + base64.b64encode(probe.png).decode("ascii")}
