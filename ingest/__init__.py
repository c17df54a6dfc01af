"""Spreadsheets to validated triples: readers, shape-driven mapping, validation, loads, templates.

The shapes in ``shapes/`` drive everything here (a node shape is a sheet, a property shape a
column), so no module holds per-class code.
"""
