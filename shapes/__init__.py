"""Data package: shapes files shipped with tsr-observatory (read with importlib.resources)."""
