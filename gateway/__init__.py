"""Guardrail Gateway: AI bots propose orders, hard limits constrain, a human approves."""

__version__ = "0.1.0"
