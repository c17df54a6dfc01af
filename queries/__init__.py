"""Data package: queries files shipped with tsr-observatory (read with importlib.resources)."""
