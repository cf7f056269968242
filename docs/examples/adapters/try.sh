#!/usr/bin/env bash
# Outside equipment beside the demo city, through the relay (README "Adapters and the relay"):
#   a recorded NMEA log (bus 7701), a GTFS-realtime file (three buses), TAK units over CoT, MQTT sensors of a car
#   park, a CSV export of two buses; each adapter a process of its own, all behind one `sitroom relay`, then
#   `sitroom demo` with the relay's feeds beside its own. Ctrl+C (or closing the window) stops everything.
# Usage: docs/examples/adapters/try.sh [DEMO OPTIONS]   (e.g. --exit-after 60 --screenshot shot.png)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
SITROOM=${SITROOM:-$ROOT/.venv/bin/sitroom}
PY=${PYTHON:-$ROOT/.venv/bin/python}
RUN=$(mktemp -d -t sitroom-adapters-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$RUN"; }
trap cleanup EXIT INT TERM
start() { "$@" >>"$RUN/log" 2>&1 & pids+=($!); }

# The adapters publish on loopback ports 5601-5605 (snapshots at +1000); the relay serves them on 7601-7605.
start "$SITROOM" adapter nmea --input "file:$HERE/track.nmea=7701" --loop --type bus --endpoint tcp://127.0.0.1:5601
start "$SITROOM" adapter gtfsrt --file "$HERE/vehicles.pb" --endpoint tcp://127.0.0.1:5602
start "$SITROOM" adapter cot --input udp:127.0.0.1:4242 --unit-type a-f-G-U-C-F=fire --unit-type a-f-G-U-C-I=ambulance \
  --endpoint tcp://127.0.0.1:5603
start "$PY" "$HERE/send_cot.py" 127.0.0.1:4242
start "$SITROOM" adapter csv "$HERE/buses.csv" --mapping "$HERE/buses.toml" --loop --endpoint tcp://127.0.0.1:5605
feeds=(--feed nmea tcp://127.0.0.1:5601 tcp://127.0.0.1:7601 --feed gtfsrt tcp://127.0.0.1:5602 tcp://127.0.0.1:7602
       --feed cot tcp://127.0.0.1:5603 tcp://127.0.0.1:7603 --feed csv tcp://127.0.0.1:5605 tcp://127.0.0.1:7605)
demo=(--feed nmea=tcp://127.0.0.1:7601 --feed gtfsrt=tcp://127.0.0.1:7602 --feed cot=tcp://127.0.0.1:7603
      --feed csv=tcp://127.0.0.1:7605 --feed relay=tcp://127.0.0.1:7600)
MOSQUITTO=$(command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null || true)
if [ -n "$MOSQUITTO" ]; then  # a broker of our own on 18830 (Debian's mosquitto: ./dev setup installs it)
  printf 'listener 18830 127.0.0.1\nallow_anonymous true\npersistence false\n%s' \
    "$([ "$(id -u)" -eq 0 ] && echo 'user root')" >"$RUN/mosquitto.conf"
  start "$MOSQUITTO" -c "$RUN/mosquitto.conf"
  sleep 0.5
  start "$SITROOM" adapter mqtt --broker 127.0.0.1:18830 --mapping "$HERE/mqtt.toml" --endpoint tcp://127.0.0.1:5604
  start "$PY" "$HERE/send_mqtt.py" 127.0.0.1:18830
  feeds+=(--feed mqtt tcp://127.0.0.1:5604 tcp://127.0.0.1:7604)
  demo+=(--feed mqtt=tcp://127.0.0.1:7604)
else
  echo "no mosquitto here: the MQTT part is left out (apt-get install mosquitto)" >&2
fi
start "$SITROOM" relay "${feeds[@]}" --health tcp://127.0.0.1:7600
echo "adapters and relay running; their log: $RUN/log" >&2
"$SITROOM" demo "${demo[@]}" "$@"
