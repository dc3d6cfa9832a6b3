"""Seeing inside a running gateway: decision logs, Prometheus metrics, readiness."""
