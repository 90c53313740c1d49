"""Core: the shared kernel every other app builds on."""
