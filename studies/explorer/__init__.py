"""The explorer step's server side: the participant's explorer session (what is selected, the
edited scene, undo history), the preview/action endpoint, its rate limit and its action log.
The live inference itself is ``explainers.explorer`` (torch only)."""
