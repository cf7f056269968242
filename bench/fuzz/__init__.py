"""Fuzz: every decoder of outside input fed seeded mutations of valid inputs; crashes and hangs counted.

Decoders, and the one error each may raise (anything else is a crash):

- wire protocol, :class:`DecodeError`: ``decode`` (whole multipart messages), ``decode_envelope``,
  ``decode_array``, ``decode_map``, ``validate_incident``, ``decode_snapshot_request``, ``decode_snapshot_end``;
  dispatch: ``decode_command``, ``decode_ack``;
- files, :class:`KitError`: ``load_kit`` (kit.json + roads.npz), ``check_mbtiles``, ``read_points`` on CSV;
- ``Cad.handle_command`` (command frames from the network): never raises.

Inputs come from a seeded mutator, not hypothesis (which is far too slow for this many): valid messages and
files with fields set to odd values (NaN, infinities, 64-bit extremes, wrong types, deep nesting, oversized
strings), arrays of the wrong dtype or shape, odd SQLite schemas and CSV cells, then byte-level damage (bit
flips, interesting words, truncation, extension, splices), plus raw random bytes. Input ``i`` of a decoder
depends only on the seed, the decoder and ``i``, so every input can be rebuilt from its number.

Campaigns run in forked workers under a watchdog that keeps each input's decoder call, and its baseline, to
``--limit`` seconds (a hang); a decoded result is also checked against what the decoder promises (a broken
promise is a violation). The baseline, same inputs, same run, is the bare library parse each decoder wraps
(``msgpack.unpackb``, ``np.frombuffer``, ``json.loads`` + ``np.load``, the same two SQLite queries,
``csv.reader``); ``ratio_vs_unpackb`` is the msgpack decoders' time over bare ``unpackb`` on the same bytes.
A baseline past the limit (bare SQLite on an endless view) is counted as a baseline hang, not the decoder's.

Modules: ``mutators`` (how inputs are changed), ``promises`` (what each decoder promises of its result),
``targets`` (one per decoder, grouped by what they decode), ``findings`` (counts and distinct findings),
``pool`` (workers and watchdog), ``cli`` (options and report).
"""

from bench.fuzz.cli import main

__all__ = ["main"]
