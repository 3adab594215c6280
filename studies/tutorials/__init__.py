"""Narrated tutorial videos made from YAML scripts (tutorials/*.yaml): slides, espeak-ng, ffmpeg."""
