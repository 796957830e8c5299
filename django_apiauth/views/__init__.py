"""Thin HTTP endpoints: validate input, call a service, shape the response."""
