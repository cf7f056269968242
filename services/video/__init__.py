"""Cameras: declarations and frames on the wire, stream health, field-of-view geometry, the hub that brings
frames from ZeroMQ topics and stream URLs to whatever shows them, and what of it goes into the journal.

Qt-free like every service: decoding JPEG into images is injected by the views (widgets/video), stream URLs
are read with PyAV (FFmpeg) on threads of their own.
"""
