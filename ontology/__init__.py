"""Data package: ontology files shipped with tsr-observatory (read with importlib.resources)."""
