"""Data package: the fictional example dataset (Turtle, XLSX, ODS, CSV) shipped with tsr-observatory."""
