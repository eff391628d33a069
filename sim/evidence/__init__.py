"""Evidence: observations, the hindcast, calibration and the validation report."""
