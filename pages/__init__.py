"""Dash pages of 数据大脑, one module per page."""
