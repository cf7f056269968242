"""Facilities the city watches, their sensors, and what the wire says about them (services/facilities/wire.py)."""
