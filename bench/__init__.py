"""SitRoom's benchmarks: ``python -m bench NAME [--quick]`` with NAME one of ingest, render, latency, startup.

Each prints its figures in readable lines, beside the same run's baseline and the goal, and ends with one
JSON line. ``ingest`` and ``latency`` start their publisher with multiprocessing's *spawn* method, so a script
that calls their ``main()`` must do so under ``if __name__ == "__main__":``.
"""
