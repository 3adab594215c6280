"""Files for participants with HTTP Range support (RFC 9110, section 14).

Browsers fetch videos in pieces: without ``206 Partial Content`` answers Chromium cannot seek
in a tutorial video (resuming after a reload restarts at 0) and Safari refuses to play MP4 at
all. One byte range per request is answered; a malformed or multi-range header gets the whole
file (200), as the RFC allows. The file is streamed in chunks, never read whole."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$", re.IGNORECASE)


class Unsatisfiable(ValueError):
    """No byte of the file lies in the requested range (answered with 416)."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive byte range ``(first, last)`` that a ``Range`` header asks for in a file of
    ``size`` bytes; None when the header is absent, malformed or names several ranges (then the
    whole file is sent). Raises :class:`Unsatisfiable` when the range lies outside the file."""
    match = RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None  # "bytes=-"
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # "bytes=5-2" is invalid: ignore the header
    if start >= size:
        raise Unsatisfiable(header)
    return start, min(int(last), size - 1) if last else size - 1


def _chunks(path: Path, first: int, last: int):
    with open(path, "rb") as f:
        f.seek(first)
        left = last - first + 1
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data


def serve_file(request, path: Path):
    """The file at ``path`` (which must exist) as 200, 206 or 416, always with
    ``Accept-Ranges: bytes``. ``If-Range`` is honoured by sending the whole file: this server
    issues no validators, so no ``If-Range`` can match."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    try:
        wanted = parse_range(header, size) if header and "If-Range" not in request.headers \
            else None
    except Unsatisfiable:
        response = HttpResponse(f"Range not satisfiable: the file has {size} bytes.\n",
                                status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(open(path, "rb"), content_type=kind)  # noqa: SIM115 - closed by FileResponse
        else:
            first, last = wanted
            response = StreamingHttpResponse(_chunks(path, first, last), status=206,
                                             content_type=kind)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
            response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
