"""Running a checked scenario: an ensemble in, a Result out; rerun from a manifest; compare runs."""
