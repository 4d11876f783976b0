"""Forecasting, forecast track records, anomaly detection, early-warning rules and risk scores."""
