"""Indicator catalog and target tracking (built in the indicator-system issue, #3)."""
