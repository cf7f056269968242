"""``sitroom adapter KIND …`` and ``sitroom relay …``: the command line of the adapters and the relay.

app/cli.py adds these two commands with :func:`add_parsers` and hands them to :func:`run`; everything else about
them lives here, beside the adapters.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

KINDS = ("csv", "nmea", "mqtt", "gtfsrt", "cot")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", required=True, help="where to publish the feed, e.g. tcp://127.0.0.1:5601 "
                   "(its snapshot socket goes beside it: tcp port + 1000, or NAME.snap.sock)")
    p.add_argument("--src", help="the publisher's stable id in envelopes (default: adapter-KIND)")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)


def add_parsers(sub) -> None:
    """The ``adapter`` and ``relay`` commands, on app/cli.py's subparsers."""
    adapter = sub.add_parser("adapter", help="turn outside equipment (NMEA, GTFS-realtime, CoT, MQTT, CSV) into a "
                             "SitRoom feed", description="Each adapter is a process publishing one SitRoom feed, "
                             "with heartbeats, snapshots for late joiners and CURVE from SITROOM_KEY like the demo "
                             "backends; what it cannot use is counted in its heartbeats' health.")
    kinds = adapter.add_subparsers(dest="adapter", required=True)

    p = kinds.add_parser("csv", help="replay a CSV or JSON export as vehicles, incidents or sensor readings")
    p.add_argument("file", type=Path, help=".csv (with a header), .jsonl/.ndjson or .json (a list of objects)")
    p.add_argument("--mapping", type=Path, required=True, metavar="TOML",
                   help="which column is which field (services/adapters/mapping.py; README 'CSV/JSON')")
    p.add_argument("--speed", type=float, default=1.0,
                   help="1: at the recorded pace (default); 10: ten times faster; 0: as fast as possible")
    p.add_argument("--keep-times", action="store_true", help="send the recorded times, not the time of sending")
    p.add_argument("--loop", action="store_true", help="start again at the end")
    p.add_argument("--facilities", type=Path, metavar="JSON", help="sensor: the facilities and their sensors "
                   "(a JSON list of facility maps, docs/protocol.md §6.4), published first")
    p.add_argument("--facility", default="csv", help="sensor: facility id of rows that name none")
    p.add_argument("--id-map", type=Path, metavar="CSV", help="DEVICE,VEHICLE_ID lines for textual ids")
    _common(p)

    p = kinds.add_parser("nmea", help="GPS receivers speaking NMEA 0183 (GGA, RMC, VTG) as vehicles")
    p.add_argument("--input", action="append", required=True, metavar="SPEC",
                   help="serial:/dev/ttyUSB0[@4800], tcp:HOST:PORT or file:PATH, each optionally =DEVICE for one "
                        "vehicle's stream (else each line names its device: TAG block s: or 'DEVICE,$GP…'); "
                        "repeat for more")
    p.add_argument("--speed", type=float, default=1.0, help="file: 1 at the recorded pace, 10 ten times faster, 0 "
                   "at once")
    p.add_argument("--loop", action="store_true", help="file: start again at the end")
    p.add_argument("--keep-times", action="store_true",
                   help="file: send the recorded fix times (default: the time of sending, so a recording shows live)")
    _vehicle_options(p)
    _common(p)

    p = kinds.add_parser("mqtt", help="facility sensors on an MQTT broker as readings and facility metadata")
    p.add_argument("--broker", default="127.0.0.1:1883", metavar="HOST[:PORT]", help="default 127.0.0.1:1883")
    p.add_argument("--mapping", type=Path, required=True, metavar="TOML",
                   help="[[topic]] tables: filter, kind (sensor or facility), fields (README 'MQTT')")
    p.add_argument("--username")
    p.add_argument("--password-env", metavar="VAR", default="SITROOM_MQTT_PASSWORD",
                   help="environment variable holding the password (default SITROOM_MQTT_PASSWORD), so it is not "
                        "on the command line for everyone to read in ps")
    p.add_argument("--tls", action="store_true", help="TLS to the broker (port 8883 by convention)")
    p.add_argument("--ca-file", help="TLS: the CA certificate(s) the broker's certificate is checked against "
                   "(default: the system's)")
    p.add_argument("--cert-file", help="TLS: this client's certificate, for brokers that require one")
    p.add_argument("--key-file", help="TLS: this client's private key")
    p.add_argument("--client-id", default="", help="MQTT client id (default: one drawn by the broker)")
    p.add_argument("--facilities", type=Path, metavar="JSON",
                   help="facilities and their sensors (a JSON list of facility maps), published first")
    p.add_argument("--facility", default="mqtt", help="facility id of readings whose mapping names none")
    _common(p)

    p = kinds.add_parser("gtfsrt", help="a transit agency's GTFS-realtime vehicle positions (and trip delays)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the VehiclePositions (or combined) feed's URL, polled every --interval")
    where.add_argument("--file", type=Path, help="a FeedMessage file, read again whenever it changes")
    p.add_argument("--trip-updates", metavar="URL", help="a separate TripUpdates feed for delays (URL or file)")
    p.add_argument("--interval", type=float, default=15.0, help="seconds between polls (default 15)")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                   help="an HTTP header for the agency's API key, e.g. 'x-api-key: …'; repeat for more")
    p.add_argument("--static", type=Path, metavar="GTFS.zip", help="the static feed, for route names")
    _vehicle_options(p)
    p.set_defaults(vtype="bus")
    _common(p)

    p = kinds.add_parser("cot", help="TAK devices' Cursor-on-Target events as units and markers; incidents out")
    p.add_argument("--input", action="append", default=[], metavar="SPEC",
                   help="udp:HOST:PORT (unicast), udp:GROUP:PORT (multicast, e.g. udp:239.2.3.1:6969), "
                        "tcp:HOST:PORT (a TAK server's stream) or listen:HOST:PORT (devices connect); repeat")
    p.add_argument("--interface", default="0.0.0.0", help="multicast: the local address of the network to join on")
    p.add_argument("--unit-type", action="append", default=[], metavar="PREFIX=TYPE",
                   help="CoT type prefix to vehicle type, e.g. a-f-G-U-C-F=fire; the longest prefix wins")
    p.add_argument("--incidents", metavar="ENDPOINT", help="a SitRoom incidents feed (e.g. the CAD's) to send out "
                   "as CoT events")
    p.add_argument("--incidents-key", metavar="KEY", help="that feed's CURVE public key (name or Z85)")
    p.add_argument("--cot-out", metavar="SPEC", help="where incident events go: udp:HOST:PORT (e.g. "
                   "udp:239.2.3.1:6969) or tcp:HOST:PORT (a TAK server's input)")
    p.add_argument("--id-map", type=Path, metavar="CSV", help="UID,VEHICLE_ID lines: TAK uids to vehicle ids")
    _common(p)
    _add_relay(sub)


def _add_relay(sub) -> None:
    p = sub.add_parser("relay", help="one process between the city's publishers and many desks: fan-out, snapshots "
                       "for late joiners from its own cache, CURVE on both sides",
                       description="Each --feed is relayed by libzmq's proxy (XSUB → XPUB); the desks connect to "
                       "DOWNSTREAM instead of the publisher (snapshots beside it: tcp port + 1000). CURVE: "
                       "SITROOM_KEY (the relay's pair), SITROOM_PEER_KEY (the publishers' key), SITROOM_ALLOW "
                       "(the desks allowed).")
    p.add_argument("--feed", nargs=3, action="append", required=True, metavar=("NAME", "UPSTREAM", "DOWNSTREAM"),
                   help="a publisher's endpoint and where the desks reach it through the relay, e.g. "
                        "avl tcp://10.0.0.5:5556 tcp://0.0.0.0:6556; repeat for more")
    p.add_argument("--health", metavar="ENDPOINT", help="the relay's own health feed (heartbeats with its figures)")
    p.add_argument("--io-threads", type=int, default=2, help="libzmq I/O threads sharing the desks' connections "
                   "(default 2)")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)


def _vehicle_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", dest="vtype", default="unknown",
                   choices=("unknown", "bus", "taxi", "fire", "ambulance", "police"), help="vehicle type to show")
    p.add_argument("--id-map", type=Path, metavar="CSV", help="DEVICE,VEHICLE_ID lines: outside ids to the room's "
                   "vehicle ids (numeric ids are used as they are, others hashed into the adapter's own range)")


def _vtype(name: str) -> int:
    from sitroom.services.vocabulary import VehicleType

    return int(VehicleType[name.upper()])


def run(args: argparse.Namespace) -> int:
    from sitroom.services.adapters.base import Dropped
    from sitroom.services.adapters.mapping import MappingError

    try:
        if args.command == "relay":
            from sitroom.services.adapters import relay

            return relay.main(args)
        return _RUNNERS[args.adapter](args)
    except (MappingError, ValueError, Dropped) as exc:
        print(f"sitroom adapter: {exc}", file=sys.stderr)
        return 2


def _run_csv(args: argparse.Namespace) -> int:
    from sitroom.services.adapters import csvjson, mapping
    from sitroom.services.adapters.base import Adapter, VehicleIds, load_facilities, load_id_map

    m = mapping.Mapping.from_dict(mapping.load(args.mapping))
    if not args.file.is_file():
        raise ValueError(f"{args.file}: no such file")
    facilities = load_facilities(args.facilities)
    adapter = Adapter("csv", args.endpoint, src=args.src)
    for fac in facilities:
        adapter.facility(fac)
    replay = csvjson.Replay(adapter, m, args.file, speed=args.speed, keep_times=args.keep_times, loop=args.loop,
                            facility=args.facility, ids=VehicleIds(csvjson.ID_BASE, load_id_map(args.id_map)))
    adapter.run(replay.step, parent_pid=args.parent_pid, duration_s=args.duration)
    return 0


def _run_nmea(args: argparse.Namespace) -> int:
    from sitroom.services.adapters import nmea
    from sitroom.services.adapters.base import Adapter, VehicleIds, load_id_map

    ids = VehicleIds(nmea.ID_BASE, load_id_map(args.id_map))
    adapter = Adapter("nmea", args.endpoint, src=args.src)
    try:
        sources = [nmea.parse_input(spec, adapter.health, speed=args.speed, loop=args.loop) for spec in args.input]
    except ValueError:
        adapter.close()
        raise
    decoder = nmea.NmeaDecoder(adapter, ids, vtype=_vtype(args.vtype))
    run = nmea.NmeaAdapter(adapter, sources, decoder, keep_times=args.keep_times)
    adapter.run(run.step, parent_pid=args.parent_pid, duration_s=args.duration, close=run.close)
    return 0


def _run_mqtt(args: argparse.Namespace) -> int:
    import os

    from sitroom.services.adapters import mqtt
    from sitroom.services.adapters.base import Adapter, load_facilities

    routes = mqtt.routes_from_file(args.mapping)
    host, port = mqtt.parse_broker(args.broker)
    password = os.environ.get(args.password_env) if args.username else None
    options = mqtt.BrokerOptions(host, port, args.username, password, args.tls, args.ca_file, args.cert_file,
                                 args.key_file, args.client_id)
    facilities = load_facilities(args.facilities)
    adapter = Adapter("mqtt", args.endpoint, src=args.src)
    for fac in facilities:
        adapter.facility(fac)
    run = mqtt.MqttAdapter(adapter, routes, options, default_facility=args.facility)
    adapter.run(run.step, parent_pid=args.parent_pid, duration_s=args.duration, close=run.close)
    return 0


def _run_gtfsrt(args: argparse.Namespace) -> int:
    from sitroom.services.adapters import gtfsrt
    from sitroom.services.adapters.base import Adapter, VehicleIds, load_id_map

    headers = {}
    for h in args.header:
        name, colon, value = h.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"--header {h!r}: expected NAME:VALUE")
        headers[name.strip()] = value.strip()
    routes = {}
    if args.static is not None:
        from sitroom.services.store.gtfs import route_names

        routes = route_names(args.static)
    if args.file is not None and not args.file.is_file():
        raise ValueError(f"{args.file}: no such file")
    adapter = Adapter("gtfsrt", args.endpoint, src=args.src)
    ids = VehicleIds(gtfsrt.ID_BASE, load_id_map(args.id_map), numeric=False)
    feeds = [gtfsrt.GtfsRtAdapter(adapter, url=args.url, path=args.file, interval_s=args.interval, ids=ids,
                                  vtype=_vtype(args.vtype), routes=routes, headers=headers)]
    if args.trip_updates:
        is_url = "://" in args.trip_updates
        trips = gtfsrt.GtfsRtAdapter(adapter, url=args.trip_updates if is_url else None,
                                     path=None if is_url else Path(args.trip_updates), interval_s=args.interval,
                                     ids=ids, vtype=_vtype(args.vtype), routes=routes, headers=headers)
        trips.delays = feeds[0].delays  # one table of delays, filled by either feed
        feeds.insert(0, trips)

    def step(timeout: float) -> None:
        for feed in feeds:
            feed.step(timeout / len(feeds))

    def close() -> None:
        for feed in feeds:
            feed.close()

    adapter.run(step, parent_pid=args.parent_pid, duration_s=args.duration, close=close)
    return 0


def _run_cot(args: argparse.Namespace) -> int:
    from sitroom.services.adapters import cot
    from sitroom.services.adapters.base import Adapter, VehicleIds, load_id_map

    if not args.input and not args.incidents:
        raise ValueError("give --input (events in) and/or --incidents with --cot-out (incidents out)")
    if bool(args.incidents) != bool(args.cot_out):
        raise ValueError("--incidents and --cot-out go together")
    rules = cot.unit_type_rules(args.unit_type)
    adapter = Adapter("cot", args.endpoint, src=args.src)
    inputs: list = []
    incidents = None
    try:
        inputs = [cot.parse_input(spec, adapter.health, args.interface) for spec in args.input]
        if args.incidents:
            from sitroom.services.feeds.client import FeedClient, FeedConfig
            from sitroom.services.feeds.protocol import Topic
            from sitroom.services.feeds.security import Security

            client = FeedClient([FeedConfig("incidents", args.incidents, (Topic.INCIDENT,),
                                            server_key=args.incidents_key)], security=Security.from_env())
            client.start()
            incidents = cot.IncidentsOut(client, cot.CotOut(args.cot_out, adapter.health))
    except (OSError, ValueError):
        for inp in inputs:
            inp.close()
        adapter.close()
        raise
    run = cot.CotAdapter(adapter, inputs, ids=VehicleIds(cot.ID_BASE, load_id_map(args.id_map), numeric=False),
                         unit_types=rules, incidents=incidents)
    adapter.run(run.step, parent_pid=args.parent_pid, duration_s=args.duration, close=run.close)
    return 0


_RUNNERS = {"csv": _run_csv, "nmea": _run_nmea, "mqtt": _run_mqtt, "gtfsrt": _run_gtfsrt, "cot": _run_cot}
