"""Benchmarks for edu (issue 10): ``python -m bench``; figures and commands in docs/performance.md.

Each module measures one thing and returns :class:`bench.report.Figure` values; nothing here
is imported by the application. Timed assertions live here, never in the unit tests.
"""
