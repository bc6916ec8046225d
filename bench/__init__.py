"""Benchmarks (not tests): ``python -m bench`` writes results to ``bench/results/``."""
