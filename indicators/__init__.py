"""Indicator catalog, the engine that computes indicators, target tracking and the read API."""
