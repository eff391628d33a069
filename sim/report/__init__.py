"""The HTML report: a self-contained page built from run folders."""
