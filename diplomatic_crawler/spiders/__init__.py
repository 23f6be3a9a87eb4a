"""Spiders of the project: one generic, seed-driven spider (`news`)."""
