"""Shared helpers of the test suite (not tests themselves)."""
