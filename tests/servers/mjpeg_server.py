"""A small HTTP MJPEG server for the tests (``multipart/x-mixed-replace``, what IP cameras serve), run as a
process of its own: ``mjpeg_server.py PORT [--stall-after N]`` serves a moving picture at 10 fps on any path;
with ``--stall-after`` it sends N frames per connection and then nothing, without closing. Prints "ready"."""

from __future__ import annotations

import argparse
import io
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

FRAMES: list[bytes] = []


def frames() -> list[bytes]:
    if not FRAMES:
        for i in range(20):
            img = Image.new("RGB", (320, 240), (40, 60, 90))
            ImageDraw.Draw(img).ellipse([i * 14, 100, i * 14 + 40, 140], fill=(250, 200, 0))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
            FRAMES.append(out.getvalue())
    return FRAMES


class Handler(BaseHTTPRequestHandler):
    stall_after: int | None = None

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        sent = 0
        try:
            while True:
                if self.stall_after is not None and sent >= self.stall_after:
                    time.sleep(3600)  # stalls: the connection stays open, nothing comes
                frame = frames()[sent % len(frames())]
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(frame)
                                 + frame + b"\r\n")
                self.wfile.flush()
                sent += 1
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--stall-after", type=int)
    args = p.parse_args()
    Handler.stall_after = args.stall_after
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
