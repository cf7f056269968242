"""Snapping positions to road edges, against a brute-force point-to-segment search."""

import numpy as np

from sitroom.services.store.snap import EdgeSnapper
from tests.kits import grid_kit


def brute_force(roads, x, y):
    a, b = roads.node_xy[roads.edge_src], roads.node_xy[roads.edge_dst]
    ab = b - a
    p = np.stack([x, y], axis=1)[:, None, :]
    t = np.clip(((p - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    q = a + t[..., None] * ab
    return np.hypot(*(q - p).transpose(2, 0, 1)).min(axis=1)


def test_snap_matches_brute_force_distance() -> None:
    kit = grid_kit(7, spacing=180.0)
    roads = kit.roads
    rng = np.random.default_rng(5)
    lo, hi = roads.node_xy.min(0) - 300, roads.node_xy.max(0) + 300
    x, y = rng.uniform(lo[0], hi[0], 2000), rng.uniform(lo[1], hi[1], 2000)
    s = EdgeSnapper(roads).snap(x, y)
    assert (s.edge >= 0).all()
    assert np.allclose(s.distance, brute_force(roads, x, y), atol=1e-6)
    assert np.allclose(np.hypot(s.x - x, s.y - y), s.distance, atol=1e-6)
    assert ((s.fraction >= 0) & (s.fraction <= 1)).all()


def test_snap_respects_max_distance() -> None:
    roads = grid_kit(4).roads
    x0, y0 = roads.node_xy[0]
    s = EdgeSnapper(roads).snap(np.array([x0 - 5, x0 - 5000]), np.array([y0, y0]), max_distance=100)
    assert s.edge[0] >= 0 and abs(s.distance[0] - 5) < 1e-6
    assert s.edge[1] == -1 and np.isinf(s.distance[1]) and np.isnan(s.x[1])


def test_snap_large_batch_keeps_each_point_in_its_row() -> None:
    """Big batches are queried in spatial order; every answer must still land in its own row."""
    roads = grid_kit(7, spacing=180.0).roads
    rng = np.random.default_rng(11)
    lo, hi = roads.node_xy.min(0) - 300, roads.node_xy.max(0) + 300
    x, y = rng.uniform(lo[0], hi[0], 6000), rng.uniform(lo[1], hi[1], 6000)
    x[::97] = np.nan  # unusable positions are skipped, not shifted into their neighbours' rows
    s = EdgeSnapper(roads).snap(x, y)
    bad = np.isnan(x)
    assert (s.edge[bad] == -1).all() and np.isinf(s.distance[bad]).all()
    assert np.allclose(s.distance[~bad], brute_force(roads, x[~bad], y[~bad]), atol=1e-6)
    assert np.allclose(np.hypot(s.x - x, s.y - y)[~bad], s.distance[~bad], atol=1e-6)


def test_snap_picks_the_first_direction_of_a_two_way_road() -> None:
    roads = grid_kit(5).roads
    a, b = roads.node_xy[roads.edge_src], roads.node_xy[roads.edge_dst]
    # A point 3 m beside a third of the way along every edge: nearest to that road alone.
    d = b - a
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.hypot(d[:, 0], d[:, 1])[:, None]
    p = a + d / 3 + 3 * normal
    s = EdgeSnapper(roads).snap(p[:, 0], p[:, 1])
    pair = np.minimum(roads.edge_src, roads.edge_dst) * roads.n_nodes + np.maximum(roads.edge_src, roads.edge_dst)
    first = {}
    for e, k in enumerate(pair):
        first.setdefault(int(k), e)
    assert (s.edge == [first[int(k)] for k in pair]).all()
    assert np.allclose(s.distance, 3.0)
    # The fraction is measured along the edge returned: 1/3 from the source of the first direction.
    along_first = s.edge == np.arange(len(pair))
    assert np.allclose(s.fraction[along_first], 1 / 3)
    assert np.allclose(s.fraction[~along_first], 2 / 3)
