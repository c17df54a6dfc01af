"""The hostile campaign of issue 14 (bench/hostile.py runs it): one module per category,
the harness they share (a real `tsr serve`, a listener, the server's process tree)."""
