"""Sensors of the city's facilities: their metadata as arrays, the readings kept, and their health."""
