"""The control core: the control room without a window, Qt-free.

:class:`~app.core.session.LiveSession` (a kit, its feeds, the map's models and the journal),
:class:`~app.core.desk.DispatchDesk` (incidents, recommendations, dispatch, coverage) and
:class:`~app.core.replay.ReplaySession` (a session fed by a journal) are composed by
:class:`~app.core.room.Room`, which advances them one frame at a time. The operator window, the replay
window and any other view compose a Room instead of owning its logic, and tests drive a Room directly.
Kinds of data plug in as capabilities (``app/capabilities``); docs/extending.md is the checklist.
"""
