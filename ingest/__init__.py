"""Bringing data in: the landing zone, loaders into the warehouse's raw tables, the demo generator."""
