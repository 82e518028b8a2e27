"""Tooling that starts real processes for development, tests and the benchmark.

Not part of the site: nothing under heatblog/ or the apps imports it, and it is
no Django app.
"""
