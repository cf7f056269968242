"""Routing for dispatch: unit recommendation, routes with an alternative, and reach for coverage, under live
travel times and dispatcher closures.

The engine keeps two CSR matrices over the kit's road graph, forward and reversed, with one entry per
directed node pair (of parallel edges the quickest counts). Their structure is fixed; new travel times or
closures only rewrite the data arrays, in O(m), on the next search. Each matrix has one extra, virtual node
whose out-edges are rewritten per search: it lets a single scipy Dijkstra start part-way along edges (a
point on a road pays the rest of its edge) and from many points at once.

Points snap to the nearest road that is open in at least one direction. Closed edges are impassable for every
search: recommendation, route, alternative and reach. Not thread-safe: one engine per thread.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sitroom.services.store.kit import RoadGraph
from sitroom.services.store.snap import EdgeSnapper

MAX_SNAP_M = 500.0
_MIN_SECONDS = 1e-6  # zero-length edges (two nodes on one spot) take a microsecond: every road takes some time
_NO_LIMIT = 1e300  # finite, so edges with infinite weight never enter the heap
_VIRTUAL_SLOTS = 64
# A route's first search bound: twice the straight line at 50 km/h, at least 2 min; doubled until the end is in.
_FIRST_BOUND_S = 120.0
_FIRST_BOUND_MPS = 50 / 3.6

# Why a point could not be placed on the network.
SNAP_OK, SNAP_TOO_FAR, SNAP_CLOSED = 0, 1, 2


class RouteError(ValueError):
    """No route: a point too far from any road, or no way through (closures, one-ways)."""


@dataclass(frozen=True)
class Route:
    edges: np.ndarray  # directed edges in driving order (the snapped first and last edges included)
    seconds: float
    metres: float
    xy: np.ndarray  # (k, 2) the line to draw, from the snapped start to the snapped end
    snapped_m: tuple[float, float] = (0.0, 0.0)  # how far the start and the end were from their roads


@dataclass(frozen=True)
class Recommendation:
    """Units ranked by road ETA to one target; every array is indexed like the units passed in."""

    eta_s: np.ndarray  # (k,) seconds to the target; inf when not reachable within max_seconds
    metres: np.ndarray  # (k,) road metres of that fastest drive; nan when not reachable
    order: np.ndarray  # (k,) unit indices, quickest first; unreachable units last, in input order
    reason: tuple[str, ...]  # (k,) why a unit is not reachable; "" when it is
    straight_m: np.ndarray  # (k,) straight-line metres from the unit to the target
    snapped_m: np.ndarray  # (k,) metres from the unit to the road it starts on; nan when not placed
    straight_line_nearest: int  # unit nearest in a straight line, -1 when there are no units
    slower_by_s: float  # its ETA minus the best ETA: 0 when it is the quickest, inf when unreachable, nan if none
    target_snapped_m: float  # metres from the target to its road
    max_seconds: float
    version: int  # RoutingEngine.version the ranking was computed under
    _tree: _Tree | None = field(default=None, repr=False, compare=False)

    @property
    def best(self) -> int:
        """The quickest unit, -1 when none is reachable."""
        return int(self.order[0]) if len(self.order) and np.isfinite(self.eta_s[self.order[0]]) else -1

    def top(self, n: int) -> np.ndarray:
        """The quickest ``n`` reachable units, quickest first."""
        head = self.order[:n]
        return head[np.isfinite(self.eta_s[head])]


@dataclass(frozen=True)
class Reach:
    """Seconds from the nearest of several sources to every node, from one bounded search."""

    node_s: np.ndarray  # (n,) inf beyond limit_s or unreachable
    source_edge: np.ndarray  # (k,) the first directed edge of the road each source is on, -1 when not placed
    source_fraction: np.ndarray  # (k,) position along that edge
    source_status: np.ndarray  # (k,) SNAP_OK, SNAP_TOO_FAR or SNAP_CLOSED
    limit_s: float


@dataclass(frozen=True)
class _Tree:
    """What a recommendation needs to draw a unit's route without searching again."""

    pred: np.ndarray  # (n + 1,) predecessors of the reversed search; n is the virtual target node
    target_pairs: np.ndarray  # (2,) node pairs the target can be reached along, -1 unused
    target_fractions: np.ndarray  # (2,)
    unit_pair: np.ndarray  # (k,) node pair each unit leaves along, -1 unreachable
    unit_fraction: np.ndarray  # (k,)
    unit_direct: np.ndarray  # (k,) bool: the unit drives along its own edge straight to the target
    target_xy: tuple[float, float]
    units_xy: np.ndarray


class _Topology:
    """The fixed structure of a road graph: node pairs, CSR layouts and segments. Shared between forks."""

    def __init__(self, roads: RoadGraph) -> None:
        n, m = roads.n_nodes, roads.n_edges
        self.n, self.m = n, m
        src, dst = roads.edge_src.astype(np.int64), roads.edge_dst.astype(np.int64)
        key = src * n + dst
        order = np.argsort(key, kind="stable")
        k = key[order]
        first = np.ones(m, dtype=bool)
        first[1:] = k[1:] != k[:-1]
        pair_sorted = np.cumsum(first) - 1
        self.pair_of_edge = np.empty(m, dtype=np.int64)
        self.pair_of_edge[order] = pair_sorted
        self.pair_key = k[first]
        self.n_pairs = len(self.pair_key)
        self.pair_src, self.pair_dst = src[order][first], dst[order][first]
        self.pair_edge0 = order[first]
        # Parallel edges beyond the first of their pair; rare, so handled apart on refresh.
        self.extra_edge, self.extra_pair = order[~first], pair_sorted[~first]
        self.rev_pair_of_edge = self.find_pairs(dst, src)
        self.fwd_ptr = np.zeros(n + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.pair_src, minlength=n), out=self.fwd_ptr[1:n + 1])
        self.fwd_indices = self.pair_dst.astype(np.int32)
        self.rev_order = np.argsort(self.pair_dst * n + self.pair_src, kind="stable")
        self.rev_ptr = np.zeros(n + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.pair_dst, minlength=n), out=self.rev_ptr[1:n + 1])
        self.rev_indices = self.pair_src[self.rev_order].astype(np.int32)
        self.seg_first, self.seg_of_edge = roads.street_segments
        self.node_xy = roads.node_xy
        self.edge_length = roads.edge_length.astype(np.float64)
        self._seg_lines: np.ndarray | None = None
        self._seg_tree: shapely.STRtree | None = None

    def find_pairs(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The node pair u→v of each (u, v), -1 where there is no such edge."""
        k = np.asarray(u, np.int64) * self.n + np.asarray(v, np.int64)
        if not self.n_pairs:
            return np.full(k.shape, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.pair_key, k), self.n_pairs - 1)
        return np.where(self.pair_key[pos] == k, pos, -1)

    @property
    def seg_lines(self) -> np.ndarray:
        if self._seg_lines is None:
            pair = self.pair_of_edge[self.seg_first]
            a, b = self.node_xy[self.pair_src[pair]], self.node_xy[self.pair_dst[pair]]
            self._seg_lines = shapely.linestrings(np.stack([a, b], axis=1))
        return self._seg_lines

    @property
    def seg_tree(self) -> shapely.STRtree:
        if self._seg_tree is None:
            self._seg_tree = shapely.STRtree(self.seg_lines)
        return self._seg_tree


_TOPOLOGIES: dict[int, tuple[weakref.ref, _Topology]] = {}


def _topology_for(roads: RoadGraph) -> _Topology:
    """The graph's structure, built once per RoadGraph object while it lives (one-shot callers such as
    ``fastest_route`` then pay only for the travel times)."""
    hit = _TOPOLOGIES.get(id(roads))
    if hit is not None and hit[0]() is roads:
        return hit[1]
    topology = _Topology(roads)
    key = id(roads)
    _TOPOLOGIES[key] = (weakref.ref(roads, lambda _ref, key=key: _TOPOLOGIES.pop(key, None)), topology)
    return topology


class RoutingEngine:
    """Searches over one road graph under the current travel times and closures.

    ``version`` increases on every change of travel times or closures, so callers can cache results."""

    def __init__(self, roads: RoadGraph, seconds: np.ndarray | None = None, *, snapper: EdgeSnapper | None = None,
                 _topology: _Topology | None = None) -> None:
        self.roads = roads
        self._t = _topology if _topology is not None else _topology_for(roads)
        self._snapper = snapper
        self._seconds = self._checked(roads.free_flow_seconds() if seconds is None else seconds, roads.n_edges)
        self._closed = np.zeros(roads.n_edges, dtype=bool)
        self.version = 0
        self._dirty = True
        self._cap = 0
        self._alloc(_VIRTUAL_SLOTS)

    # ------------------------------------------------------------ state

    def fork(self) -> RoutingEngine:
        """An independent engine with the same times and closures, sharing the fixed structure and snapper."""
        other = RoutingEngine(self.roads, self._seconds, snapper=self.snapper, _topology=self._t)
        other._closed = self._closed.copy()
        return other

    @property
    def snapper(self) -> EdgeSnapper:
        if self._snapper is None:
            self._snapper = EdgeSnapper(self.roads)
        return self._snapper

    @property
    def seconds(self) -> np.ndarray:
        """Travel seconds per edge as last set (closures not applied); read-only."""
        view = self._seconds.view()
        view.flags.writeable = False
        return view

    @property
    def closed(self) -> np.ndarray:
        """Closed edges (bool per directed edge); read-only."""
        view = self._closed.view()
        view.flags.writeable = False
        return view

    @property
    def edge_seconds(self) -> np.ndarray:
        """Seconds per directed edge as searches use them: inf where closed or impassable; read-only."""
        self._refresh()
        view = self._edge_w.view()
        view.flags.writeable = False
        return view

    def segment_seconds(self) -> tuple[np.ndarray, np.ndarray]:
        """Seconds to drive each road segment (see ``RoadGraph.street_segments``) along its first edge and back
        (quickest parallel edge); inf where closed or one-way."""
        self._refresh()
        t = self._t
        e = t.seg_first
        forward = self._pair_w[t.pair_of_edge[e]]
        rev = t.rev_pair_of_edge[e]
        backward = np.where(rev >= 0, self._pair_w[np.maximum(rev, 0)], np.inf)
        return forward, backward

    @property
    def segments(self) -> tuple[np.ndarray, np.ndarray]:
        """(first directed edge of each segment, segment of each edge), as ``RoadGraph.street_segments``."""
        return self._t.seg_first, self._t.seg_of_edge

    def set_seconds(self, seconds: np.ndarray) -> None:
        """New travel seconds per edge (e.g. ``TrafficLayer.seconds``); copied. NaN or inf: impassable."""
        self._seconds = self._checked(seconds, self.roads.n_edges)
        self._changed()

    def close_edges(self, edges: np.ndarray | list[int], both: bool = True) -> np.ndarray:
        """Close the given edges (with ``both``: both directions of their roads); returns the closed edge ids."""
        edges = self._expand(np.asarray(edges, dtype=np.int64).ravel(), both)
        self._closed[edges] = True
        self._changed()
        return edges

    def close_area(self, polygon: shapely.Geometry) -> np.ndarray:
        """Close every edge whose segment meets ``polygon`` (projected metres); returns the closed edge ids."""
        segs = self._t.seg_tree.query(polygon, predicate="intersects")
        edges = np.flatnonzero(np.isin(self._t.seg_of_edge, segs))
        self._closed[edges] = True
        self._changed()
        return edges

    def reopen(self, edges: np.ndarray | list[int] | None = None, both: bool = True) -> None:
        """Reopen the given edges (with ``both``: both directions of their roads), or every edge for None."""
        if edges is None:
            self._closed[:] = False
        else:
            self._closed[self._expand(np.asarray(edges, dtype=np.int64).ravel(), both)] = False
        self._changed()

    # ------------------------------------------------------------ searches

    def recommend(self, target_xy: tuple[float, float], units_xy: np.ndarray, max_seconds: float = 1800.0,
                  max_snap_m: float = MAX_SNAP_M) -> Recommendation:
        """Rank units by road ETA to ``target_xy`` with one bounded search from the target on the reversed graph.

        Raises RouteError when the target has no open road within ``max_snap_m``."""
        self._refresh()
        t = self._t
        units_xy = np.asarray(units_xy, dtype=np.float64).reshape(-1, 2)
        k = len(units_xy)
        tx, ty = float(target_xy[0]), float(target_xy[1])
        edge, frac, dist, status = self._snap(np.concatenate([[tx], units_xy[:, 0]]),
                                              np.concatenate([[ty], units_xy[:, 1]]), max_snap_m)
        self._raise_unplaced("target", int(status[0]), max_snap_m)
        tp, tf, tw = (a[0] for a in self._directions(edge[:1], frac[:1]))
        ok_t = tp >= 0
        # Reversed search: the virtual node is the target; reaching it along pair p, entered at its source,
        # costs the part of p up to the target.
        node_s, pred = self._search(True, t.pair_src[tp[ok_t]], tf[ok_t] * tw[ok_t], max_seconds, True)

        up, uf, uw = self._directions(edge[1:], frac[1:])  # (k, 2) each
        ok = up >= 0
        safe_p, safe_w = np.maximum(up, 0), np.where(ok, uw, 0.0)
        # Candidates per unit: leave along either direction of its road, then the tree (columns 0, 1), or drive
        # along its own road straight to the target when that is the target's road and the target is ahead.
        cand = np.full((k, 4), np.inf)
        cand[:, :2] = np.where(ok, (1.0 - uf) * safe_w + node_s[t.pair_dst[safe_p]], np.inf)
        ahead_f = np.full((k, 2), np.nan)  # the target's fraction along the unit's pair, when it is the same
        for j in range(2):
            if tp[j] >= 0:
                same = ok & (up == tp[j]) & (uf <= tf[j])
                ahead_f[same] = tf[j]
                cand[:, 2:][same] = (tf[j] - uf[same]) * uw[same]
        pick = np.argmin(cand, axis=1)
        rows = np.arange(k)
        eta = cand[rows, pick]
        eta[eta > max_seconds] = np.inf
        reach = np.isfinite(eta)
        col, direct = pick % 2, (pick >= 2) & reach
        unit_pair = np.where(reach, up[rows, col], -1)
        unit_frac = uf[rows, col]

        # Road metres: the rest of the unit's edge, the tree path, the part of the target's edge.
        length = self._pair_length
        metres = np.full(k, np.nan)
        d = np.flatnonzero(direct)
        metres[d] = (ahead_f[d, col[d]] - unit_frac[d]) * length[unit_pair[d]]
        g = np.flatnonzero(reach & ~direct)
        if len(g):
            p = unit_pair[g]
            walked, last = self._walk(pred, t.pair_dst[p])
            j = np.where(ok_t[0] & (t.pair_src[max(tp[0], 0)] == last), 0, 1)
            metres[g] = (1.0 - unit_frac[g]) * length[p] + walked + tf[j] * length[np.maximum(tp[j], 0)]

        order = np.lexsort((rows, eta))
        straight = np.hypot(units_xy[:, 0] - tx, units_xy[:, 1] - ty)
        nearest = int(np.nanargmin(straight)) if np.isfinite(straight).any() else -1
        best = int(order[0]) if k and reach[order[0]] else -1
        slower = float(eta[nearest] - eta[best]) if nearest >= 0 and best >= 0 else float("nan")
        ustat = status[1:]
        known = np.isfinite(units_xy).all(axis=1)
        reason = tuple(
            "" if reach[i]
            else "no position" if not known[i]
            else f"more than {max_snap_m:.0f} m from any road" if ustat[i] == SNAP_TOO_FAR
            else f"no open road within {max_snap_m:.0f} m" if ustat[i] == SNAP_CLOSED
            else f"no way to the target within {max_seconds / 60:g} min" if np.isfinite(max_seconds)
            else "no way to the target"
            for i in range(k))
        snapped_m = np.where(ustat == SNAP_OK, dist[1:], np.nan)
        tree = _Tree(pred, tp.copy(), tf.copy(), unit_pair, unit_frac, direct, (tx, ty), units_xy.copy())
        return Recommendation(eta, metres, order, reason, straight, snapped_m, nearest, slower, float(dist[0]),
                              float(max_seconds), self.version, tree)

    def unit_route(self, rec: Recommendation, unit: int) -> Route:
        """The drive of one ranked unit to the target, from the recommendation's search when nothing changed
        since (no new search), else searched again under the current times and closures."""
        tree = rec._tree
        if tree is None:
            raise RouteError("this recommendation holds no routes")
        if rec.version != self.version:
            return self.route(tuple(tree.units_xy[unit]), tree.target_xy)
        if not np.isfinite(rec.eta_s[unit]):
            raise RouteError(rec.reason[unit] or "no way to the target")
        self._refresh()
        t = self._t
        p, f = int(tree.unit_pair[unit]), float(tree.unit_fraction[unit])
        snapped = (float(rec.snapped_m[unit]), rec.target_snapped_m)
        if tree.unit_direct[unit]:
            j = int(np.flatnonzero(tree.target_pairs == p)[0])
            return self._assemble(p, f, np.zeros(0, np.int64), p, float(tree.target_fractions[j]), snapped)
        nodes = [int(t.pair_dst[p])]
        while tree.pred[nodes[-1]] != t.n:
            nodes.append(int(tree.pred[nodes[-1]]))
        j = next(j for j in range(2) if tree.target_pairs[j] >= 0 and t.pair_src[tree.target_pairs[j]] == nodes[-1])
        middle = t.find_pairs(np.array(nodes[:-1]), np.array(nodes[1:]))
        return self._assemble(p, f, middle, int(tree.target_pairs[j]), float(tree.target_fractions[j]), snapped)

    def route(self, start_xy: tuple[float, float], end_xy: tuple[float, float],
              max_snap_m: float = MAX_SNAP_M) -> Route:
        """The quickest drive from one point to another, each snapped to the nearest open road."""
        self._refresh()
        edge, frac, dist, status = self._snap(np.array([start_xy[0], end_xy[0]], float),
                                              np.array([start_xy[1], end_xy[1]], float), max_snap_m)
        self._raise_unplaced("start", status[0], max_snap_m)
        self._raise_unplaced("end", status[1], max_snap_m)
        return self._route(edge, frac, (float(dist[0]), float(dist[1])), self._pair_w)

    def alternative(self, route: Route, max_shared: float = 0.7, max_ratio: float = 1.6,
                    penalties: tuple[float, ...] = (2.0, 3.0, 5.0)) -> Route | None:
        """A genuinely different second route between the same end points, or None; compared with ``route``'s
        time as given, so pass a route computed under the current times.

        The first route's edges are made ``penalty`` times slower and the search re-run, for each penalty in
        turn; the first result sharing less than ``max_shared`` of the first route's length and taking at most
        ``max_ratio`` times its time (at the real travel times) is the alternative."""
        self._refresh()
        t = self._t
        e0, e1 = int(route.edges[0]), int(route.edges[-1])
        edge = np.array([t.seg_first[t.seg_of_edge[e0]], t.seg_first[t.seg_of_edge[e1]]])
        frac = np.array([self._fraction_on(edge[0], route.xy[0]), self._fraction_on(edge[1], route.xy[-1])])
        pairs = np.unique(t.pair_of_edge[route.edges])
        first_driven = self._driven(route)
        for penalty in penalties:
            w = self._pair_w.copy()
            w[pairs] *= penalty
            try:
                # An acceptable alternative costs at most penalty × max_ratio × the first route under these
                # weights: when nothing is within that, there is none.
                alt = self._route(edge, frac, route.snapped_m, w, cap=penalty * max_ratio * route.seconds + 1e-6)
            except RouteError:
                return None
            if alt.seconds > max_ratio * route.seconds + 1e-9:
                return None  # heavier penalties only give slower routes
            alt_pairs = t.pair_of_edge[alt.edges]
            shared = self._driven(alt)[np.isin(alt_pairs, pairs)].sum()
            if shared < max_shared * max(first_driven.sum(), 1e-9):
                return alt
        return None

    def reach(self, sources_xy: np.ndarray, limit_s: float, max_snap_m: float = MAX_SNAP_M) -> Reach:
        """Seconds from the nearest source to every node, by one multi-source search bounded at ``limit_s``."""
        self._refresh()
        t = self._t
        sources_xy = np.asarray(sources_xy, dtype=np.float64).reshape(-1, 2)
        edge, frac, _, status = self._snap(sources_xy[:, 0], sources_xy[:, 1], max_snap_m)
        p, f, w = self._directions(edge, frac)
        ok = p >= 0
        node_s, _ = self._search(False, t.pair_dst[p[ok]], (1.0 - f[ok]) * w[ok], limit_s, False)
        return Reach(node_s[:t.n], edge, frac, status, float(limit_s))

    # ------------------------------------------------------------ internals

    @staticmethod
    def _checked(seconds: np.ndarray, m: int) -> np.ndarray:
        s = np.array(seconds, dtype=np.float64)
        if s.shape != (m,):
            raise ValueError(f"travel seconds for {s.shape} edges, the road graph has {m}")
        if (s < 0).any():
            raise ValueError("travel seconds must not be negative")
        s[np.isnan(s)] = np.inf
        return s

    def _changed(self) -> None:
        self.version += 1
        self._dirty = True

    def _expand(self, edges: np.ndarray, both: bool) -> np.ndarray:
        if not both:
            return np.unique(edges)
        return np.flatnonzero(np.isin(self._t.seg_of_edge, self._t.seg_of_edge[edges]))

    def _alloc(self, cap: int) -> None:
        """(Re)build both matrices with ``cap`` out-edge slots for the virtual node."""
        t = self._t
        self._cap = cap
        mats = []
        for ptr, indices in ((t.fwd_ptr, t.fwd_indices), (t.rev_ptr, t.rev_indices)):
            ptr = ptr.copy()
            ptr[t.n + 1] = t.n_pairs + cap
            idx = np.concatenate([indices, np.full(cap, t.n, np.int32)])
            data = np.concatenate([np.ones(t.n_pairs), np.ones(cap)])
            mats.append(csr_matrix((data, idx, ptr), shape=(t.n + 1, t.n + 1)))
        self._fwd_mat, self._rev_mat = mats
        self._dirty = True

    def _refresh(self) -> None:
        if not self._dirty:
            return
        t = self._t
        w = self._seconds.copy()
        w[self._closed] = np.inf
        pair_w = w[t.pair_edge0]
        best = t.pair_edge0.copy()
        if len(t.extra_edge):
            np.minimum.at(pair_w, t.extra_pair, w[t.extra_edge])
            quicker = w[t.extra_edge] < w[t.pair_edge0[t.extra_pair]]
            won = quicker & (w[t.extra_edge] == pair_w[t.extra_pair])
            best[t.extra_pair[won]] = t.extra_edge[won]
        pair_w = np.maximum(pair_w, _MIN_SECONDS)
        self._edge_w, self._pair_w, self._pair_best = w, pair_w, best
        self._pair_length = t.edge_length[best]
        # Refill the matrices' data in place: the virtual slots stay as the last search left them.
        self._fwd_mat.data[:t.n_pairs] = pair_w
        self._rev_mat.data[:t.n_pairs] = pair_w[t.rev_order]
        seg_open = np.zeros(len(t.seg_first), dtype=bool)
        seg_open[t.seg_of_edge[np.isfinite(w)]] = True
        self._seg_open = seg_open
        self._dirty = False

    def _search(self, reverse: bool, nodes: np.ndarray, offsets: np.ndarray, limit: float, predecessors: bool,
                weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """One Dijkstra from the virtual node, whose out-edges go to ``nodes`` with weights ``offsets``.
        ``weights``: pair seconds to search with instead of the current ones (restored afterwards)."""
        t = self._t
        if len(nodes) > self._cap:
            self._alloc(max(2 * len(nodes), _VIRTUAL_SLOTS))
            self._refresh()
        mat = self._rev_mat if reverse else self._fwd_mat
        k, p = len(nodes), t.n_pairs
        mat.indices[p:p + k] = nodes
        mat.data[p:p + k] = np.maximum(offsets, 0.0)
        mat.indices[p + k:] = t.n
        mat.data[p + k:] = 1.0
        limit = float(limit) if np.isfinite(limit) else _NO_LIMIT
        saved = None
        if weights is not None:
            saved = mat.data[:p].copy()
            mat.data[:p] = weights[t.rev_order] if reverse else weights
        try:
            if predecessors:
                return dijkstra(mat, directed=True, indices=t.n, limit=limit, return_predecessors=True)
            return dijkstra(mat, directed=True, indices=t.n, limit=limit), None
        finally:
            if saved is not None:
                mat.data[:p] = saved

    def _snap(self, x: np.ndarray, y: np.ndarray,
              max_snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each point on its nearest road open in some direction: (first edge of that road or -1, fraction
        along it, metres to it, SNAP_* status)."""
        t = self._t
        s = self.snapper.snap(x, y, max_snap_m)
        edge, frac, dist = s.edge.copy(), s.fraction.copy(), s.distance.copy()
        status = np.where(edge >= 0, SNAP_OK, SNAP_TOO_FAR)
        placed = np.flatnonzero(edge >= 0)
        bad = placed[~self._seg_open[t.seg_of_edge[edge[placed]]]]
        if len(bad):
            # Nearest road closed both ways: the nearest open one within reach instead.
            edge[bad], frac[bad], dist[bad], status[bad] = -1, np.nan, np.inf, SNAP_CLOSED
            pts = shapely.points(x[bad], y[bad])
            reach = max_snap_m if np.isfinite(max_snap_m) else 1e12
            pi, si = t.seg_tree.query(pts, predicate="dwithin", distance=reach)
            keep = self._seg_open[si]
            pi, si = pi[keep], si[keep]
            if len(pi):
                d = shapely.distance(pts[pi], t.seg_lines[si])
                o = np.lexsort((si, d, pi))
                firsts = o[np.concatenate([[True], pi[o][1:] != pi[o][:-1]])]
                rows, e = bad[pi[firsts]], t.seg_first[si[firsts]]
                edge[rows], dist[rows], status[rows] = e, d[firsts], SNAP_OK
                frac[rows] = self._project(e, np.stack([x[rows], y[rows]], axis=1))
        return edge, frac, dist, status

    def _project(self, edges: np.ndarray, xy: np.ndarray) -> np.ndarray:
        a = self.roads.node_xy[self.roads.edge_src[edges]]
        ab = self.roads.node_xy[self.roads.edge_dst[edges]] - a
        return np.clip(((xy - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)

    def _directions(self, edge: np.ndarray, frac: np.ndarray,
                    weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The passable ways along each snapped point's road: (k, 2) node pairs (-1: none), the fraction along
        each, and its seconds (inf: none). Column 0 is the snapped edge's direction, column 1 the other."""
        t = self._t
        w_all = self._pair_w if weights is None else weights
        k = len(edge)
        p = np.full((k, 2), -1, dtype=np.int64)
        f = np.zeros((k, 2))
        placed = edge >= 0
        e = edge[placed]
        p[placed, 0], p[placed, 1] = t.pair_of_edge[e], t.rev_pair_of_edge[e]
        f[placed, 0], f[placed, 1] = frac[placed], 1.0 - frac[placed]
        w = np.where(p >= 0, w_all[np.maximum(p, 0)], np.inf)
        p[~np.isfinite(w)] = -1
        w[p < 0] = np.inf
        return p, f, w

    def _walk(self, pred: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road metres from each start node along the reversed search's tree to the node next to the virtual
        target, and that node; all starts step together, so the cost is the longest path's hop count."""
        t = self._t
        xy = t.node_xy
        cur = starts.astype(np.int64)
        acc = np.zeros(len(cur))
        idx = np.arange(len(cur))
        while len(idx):
            c = cur[idx]
            nxt = pred[c].astype(np.int64)
            go = nxt != t.n
            idx, c, nxt = idx[go], c[go], nxt[go]
            # Edges are straight: the road c→p (the tree's p→c reversed) is as long as its end points are apart.
            d = xy[nxt] - xy[c]
            acc[idx] += np.hypot(d[:, 0], d[:, 1])
            cur[idx] = nxt
        return acc, cur

    def _assemble(self, p0: int, f0: float, middle: np.ndarray, p1: int, f1: float,
                  snapped: tuple[float, float], direct: bool = False) -> Route:
        """A Route from its first pair (left at f0), the pairs between, and its last pair (reached at f1)."""
        t, w, length, best = self._t, self._pair_w, self._pair_length, self._pair_best
        if direct:
            edges = np.array([best[p0]])
            sec, metres = (f1 - f0) * w[p0], (f1 - f0) * length[p0]
        else:
            edges = np.concatenate([[best[p0]], best[middle], [best[p1]]]).astype(np.int64)
            sec = (1 - f0) * w[p0] + w[middle].sum() + f1 * w[p1]
            metres = (1 - f0) * length[p0] + length[middle].sum() + f1 * length[p1]
        xy = np.vstack([self._along(int(edges[0]), f0), t.node_xy[self.roads.edge_dst[edges[:-1]]],
                        self._along(int(edges[-1]), f1)])
        return Route(edges, float(sec), float(metres), xy, snapped)

    def _along(self, edge: int, fraction: float) -> np.ndarray:
        a, b = self.roads.node_xy[self.roads.edge_src[edge]], self.roads.node_xy[self.roads.edge_dst[edge]]
        return a + fraction * (b - a)

    def _route(self, edge: np.ndarray, frac: np.ndarray, snapped: tuple[float, float], weights: np.ndarray,
               cap: float = np.inf) -> Route:
        """The quickest drive between two snapped points under pair seconds ``weights``; RouteError when there
        is none, or none within ``cap`` seconds.

        The search is bounded and the bound doubled until the end is reached: a bounded Dijkstra is exact for
        every node within its bound, and a short trip then costs a small search even on a large graph."""
        t = self._t
        sp, sf, sw = (a[0] for a in self._directions(edge[:1], frac[:1], weights))
        ep, ef, ew = (a[0] for a in self._directions(edge[1:], frac[1:], weights))
        direct: tuple[float, int, int, bool] = (np.inf, -1, -1, True)  # seconds, start column, end column, direct
        for i in range(2):
            for j in range(2):
                if sp[i] >= 0 and sp[i] == ep[j] and ef[j] >= sf[i] and (ef[j] - sf[i]) * sw[i] < direct[0]:
                    direct = ((ef[j] - sf[i]) * sw[i], i, j, True)
        ok = sp >= 0
        straight = float(np.hypot(*(self._along(int(edge[0]), float(frac[0]))
                                    - self._along(int(edge[1]), float(frac[1])))))
        limit = min(max(_FIRST_BOUND_S, 2.0 * straight / _FIRST_BOUND_MPS), cap)
        reached = -1
        while True:
            dist, pred = self._search(False, t.pair_dst[sp[ok]], (1.0 - sf[ok]) * sw[ok], limit, True,
                                      None if weights is self._pair_w else weights)
            best = direct
            for j in range(2):
                if ep[j] >= 0 and dist[t.pair_src[ep[j]]] + ef[j] * ew[j] < best[0]:
                    best = (dist[t.pair_src[ep[j]]] + ef[j] * ew[j], -1, j, False)
            if best[0] <= limit or not np.isfinite(limit):
                break
            now = int(np.isfinite(dist).sum())
            if limit >= cap:
                break
            # Nothing new within the doubled bound: maybe a very slow edge ahead, so one last unbounded search.
            limit = np.inf if now == reached else min(2.0 * limit, cap)
            reached = now
        if not (np.isfinite(best[0]) and best[0] <= cap):
            raise RouteError("no way through from the start to the end")
        _, i, j, direct = best
        if direct:
            return self._assemble(int(sp[i]), float(sf[i]), np.zeros(0, np.int64), int(ep[j]), float(ef[j]),
                                  snapped, direct=True)
        nodes = [int(t.pair_src[ep[j]])]
        while pred[nodes[-1]] != t.n:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        i = next(i for i in range(2) if sp[i] >= 0 and t.pair_dst[sp[i]] == nodes[0])
        middle = t.find_pairs(np.array(nodes[:-1]), np.array(nodes[1:]))
        return self._assemble(int(sp[i]), float(sf[i]), middle, int(ep[j]), float(ef[j]), snapped)

    def _driven(self, route: Route) -> np.ndarray:
        """Metres driven on each edge of a route (the first and last only in part)."""
        out = self._t.edge_length[route.edges].copy()
        out[0] = float(np.hypot(*(route.xy[1] - route.xy[0])))
        out[-1] = float(np.hypot(*(route.xy[-1] - route.xy[-2])))
        return out

    def _fraction_on(self, edge: int, xy: np.ndarray) -> float:
        return float(self._project(np.array([edge]), np.asarray(xy, float)[None, :])[0])

    @staticmethod
    def _raise_unplaced(which: str, status: int, max_snap_m: float) -> None:
        if status == SNAP_TOO_FAR:
            raise RouteError(f"the {which} is more than {max_snap_m:.0f} m from any road of the kit")
        if status == SNAP_CLOSED:
            raise RouteError(f"the {which} has no open road within {max_snap_m:.0f} m")
