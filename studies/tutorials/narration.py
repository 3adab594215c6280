"""espeak-ng narration, ffmpeg assembly and ffprobe checks (Debian packages, no Python deps)."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

SAMPLE_RATE = 22050  # espeak-ng's native rate


class MediaToolError(RuntimeError):
    """espeak-ng, ffmpeg or ffprobe is missing or failed; the message says which and why."""


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise MediaToolError(f"{tool} is not installed (Debian: apt-get install {tool})")
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise MediaToolError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-1500:]}")
    return result


def tool_versions() -> str:
    """Versions that change the output; part of a video's content address."""
    espeak = _run([require("espeak-ng"), "--version"]).stdout.split("Data")[0].strip()
    return espeak


def speak(text: str, wav: Path, *, voice: str, words_per_minute: int) -> float:
    """Narrate ``text`` into ``wav``; returns its duration in seconds."""
    _run([require("espeak-ng"), "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text])
    return wav_seconds(wav)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def join_audio(parts: list[tuple[Path, float]], out: Path) -> float:
    """Concatenate mono 16-bit WAVs, each padded with silence to its slot length (seconds)."""
    with wave.open(str(out), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(SAMPLE_RATE)
        total = 0
        for path, slot in parts:
            with wave.open(str(path)) as src:
                if src.getframerate() != SAMPLE_RATE or src.getnchannels() != 1:
                    raise MediaToolError(f"unexpected narration format in {path}")
                frames = src.readframes(src.getnframes())
            want = round(slot * SAMPLE_RATE)
            frames = frames[: want * 2] + b"\0\0" * max(0, want - len(frames) // 2)
            dst.writeframes(frames)
            total += want
    return total / SAMPLE_RATE


def assemble(slides: list[tuple[Path, float]], audio: Path, out: Path, *, fps: int = 10) -> None:
    """Still slides (PNG, seconds each) + audio -> H.264/AAC MP4 with faststart, small."""
    listing = out.with_suffix(".txt")
    lines = []
    for png, seconds in slides:
        lines += [f"file '{png.resolve()}'", f"duration {seconds:.4f}"]
    lines.append(f"file '{slides[-1][0].resolve()}'")  # the concat demuxer needs the last again
    listing.write_text("\n".join(lines) + "\n")
    total = sum(seconds for _, seconds in slides)
    _run([
        require("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
        "-map", "0:v", "-map", "1:a", "-t", f"{total:.4f}",
        "-vf", f"fps={fps},format=yuv420p", "-c:v", "libx264", "-preset", "medium",
        "-tune", "stillimage", "-crf", "30",
        "-c:a", "aac", "-b:a", "48k", "-ac", "1",
        "-movflags", "+faststart", str(out),
    ])
    listing.unlink()


@dataclass(frozen=True)
class Probe:
    duration_s: float
    codecs: dict  # codec_type -> codec_name


def probe(path: Path) -> Probe:
    result = _run([
        require("ffprobe"), "-v", "error", "-print_format", "json",
        "-show_entries", "format=duration:stream=codec_type,codec_name", str(path),
    ])
    data = json.loads(result.stdout)
    codecs = {s["codec_type"]: s["codec_name"] for s in data.get("streams", [])}
    return Probe(duration_s=float(data["format"]["duration"]), codecs=codecs)
