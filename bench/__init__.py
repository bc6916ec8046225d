"""Benchmarks: each compares Yizhan against a baseline on identical inputs."""
