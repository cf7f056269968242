"""Adapters: equipment nobody here wrote (NMEA 0183, GTFS-realtime, Cursor-on-Target, MQTT sensors, CSV/JSON)
turned into SitRoom feeds, one Qt-free process each (``sitroom adapter KIND``), and the relay between the city's
publishers and many desks (``sitroom relay``)."""
