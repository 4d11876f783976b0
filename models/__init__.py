"""Forecasting and risk models (built in the forecasts-and-risk issue, #5)."""
