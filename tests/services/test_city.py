"""The demo city: Daejeon's real districts with a generated, deterministic, strongly connected road graph."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sitroom.services.sim import city, demo_kit
from sitroom.services.store.kit import DEFAULT_SPEED_KMH, Kit, RoadClass, load_kit, save_kit

GU_NAMES = {"30110": "동구", "30140": "중구", "30170": "서구", "30200": "유성구", "30230": "대덕구"}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sitroom-cache")


@pytest.fixture(scope="module")
def kit(cache_dir: Path) -> Kit:
    """Generated (first generation of this file) and saved into the module's cache directory."""
    return demo_kit.open_demo_city(cache_dir)


@pytest.fixture(scope="module")
def kit_again() -> Kit:
    """The second and last generation of this file."""
    return city.generate_demo_city()


@pytest.fixture()
def no_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a, **_k):
        raise AssertionError("the demo city was generated again")

    monkeypatch.setattr(city, "generate_demo_city", fail)


def _residential_oneway_share(kit: Kit) -> float:
    g = kit.roads
    res = g.edge_class == RoadClass.RESIDENTIAL
    one = np.count_nonzero(res & g.edge_oneway)
    two = np.count_nonzero(res & ~g.edge_oneway)
    return one / (one + two / 2)  # per road: a two-way road is two directed edges


def _assert_same_kit(a: Kit, b: Kit) -> None:
    for name, arr in a.roads.arrays().items():
        other = b.roads.arrays()[name]
        assert arr.dtype == other.dtype, name
        np.testing.assert_array_equal(arr, other, err_msg=name)
    assert (a.name, a.crs, a.bounds_lonlat, a.sources, a.generated) == (
        b.name, b.crs, b.bounds_lonlat, b.sources, b.generated)
    assert a.pois == b.pois
    assert len(a.districts) == len(b.districts)
    for d, e in zip(a.districts, b.districts, strict=True):
        assert (d.code, d.name, d.name_en, d.level, d.parent) == (e.code, e.name, e.name_en, e.level, e.parent)
        assert shapely.equals_exact(d.geometry, e.geometry, tolerance=0.0)


def test_generation_is_deterministic(kit: Kit, kit_again: Kit) -> None:
    _assert_same_kit(kit, kit_again)


def test_graph_size_and_shape(kit: Kit) -> None:
    g = kit.roads
    assert 30_000 <= g.n_edges <= 60_000
    assert np.all(np.diff(g.edge_src) >= 0)
    assert g.edge_src.dtype == np.int32 and g.edge_dst.dtype == np.int32
    assert g.edge_src.min() >= 0 and max(g.edge_src.max(), g.edge_dst.max()) < g.n_nodes
    assert np.all(g.edge_src != g.edge_dst)
    pairs = g.edge_src.astype(np.int64) * g.n_nodes + g.edge_dst
    assert len(np.unique(pairs)) == g.n_edges  # no parallel edges
    assert np.all(np.bincount(g.edge_src, minlength=g.n_nodes) > 0)


def test_strongly_connected(kit: Kit) -> None:
    g = kit.roads
    adj = coo_matrix((np.ones(g.n_edges), (g.edge_src, g.edge_dst)), shape=(g.n_nodes, g.n_nodes))
    n, _ = connected_components(adj, directed=True, connection="strong")
    assert n == 1


def test_nodes_inside_the_city(kit: Kit) -> None:
    land = shapely.union_all([d.geometry for d in kit.districts if d.level == "gu"]).buffer(5.0)
    xy = kit.roads.node_xy
    assert shapely.contains_xy(land, xy[:, 0], xy[:, 1]).all()


def test_districts(kit: Kit) -> None:
    gus = [d for d in kit.districts if d.level == "gu"]
    dongs = [d for d in kit.districts if d.level == "dong"]
    assert {d.code: d.name for d in gus} == GU_NAMES
    assert {d.name_en for d in gus} == {"Dong-gu", "Jung-gu", "Seo-gu", "Yuseong-gu", "Daedeok-gu"}
    assert all(d.parent == "" and len(d.code) == 5 for d in gus)
    assert len(dongs) > 50
    for d in dongs:
        assert len(d.code) == 8 and d.parent in GU_NAMES and d.code.startswith(d.parent)
        assert d.name.endswith("동") and d.name_en.endswith("-dong")
    assert {d.parent for d in dongs} == set(GU_NAMES)
    assert len({d.code for d in kit.districts}) == len(kit.districts)
    # Projected metres (EPSG:5179 puts Daejeon near x 990 km, y 1815 km), valid areas of plausible size.
    total = sum(d.geometry.area for d in gus) / 1e6
    assert 500 < total < 580
    assert all(d.geometry.is_valid and d.geometry.area > 0 for d in kit.districts)
    minx, miny, maxx, maxy = kit.bounds
    assert 950_000 < minx < maxx < 1_030_000 and 1_780_000 < miny < maxy < 1_850_000


def test_kit_metadata(kit: Kit) -> None:
    assert kit.name == "Daejeon (demo)" and kit.crs == "EPSG:5179" and kit.generated
    w, s, e, n = kit.bounds_lonlat
    assert 127.1 < w < 127.3 and 127.5 < e < 127.7 and 36.1 < s < 36.25 and 36.45 < n < 36.6
    assert "NGII" in kit.attribution() and "generated" in kit.attribution()
    assert [src["licence"] for src in kit.sources] == ["KOGL / NGII Spatial Information Co-use", "generated"]


def test_pois(kit: Kit) -> None:
    xy = kit.roads.node_xy
    counts = {kind: len(kit.pois_of(kind)) for kind in ("fire", "ems", "hospital", "police")}
    assert counts == city.POI_COUNTS
    assert {p.kind for p in kit.pois} == set(counts)
    for p in kit.pois:
        assert 0 <= p.node < kit.roads.n_nodes
        assert (p.x, p.y) == (xy[p.node, 0], xy[p.node, 1])
    fire_nodes = {p.node for p in kit.pois_of("fire")}
    assert {p.node for p in kit.pois_of("ems")} <= fire_nodes  # ambulances wait at fire stations
    assert all(p.name.endswith("119안전센터") for p in kit.pois_of("fire"))
    assert all(p.name.endswith("구급대") for p in kit.pois_of("ems"))
    assert all(p.name.endswith("지구대") for p in kit.pois_of("police"))
    assert all("병원" in p.name for p in kit.pois_of("hospital"))
    assert len({p.name for p in kit.pois}) == len(kit.pois)
    # Spread out: no two fire stations share a node, nor sit very close together.
    fire = np.array([[p.x, p.y] for p in kit.pois_of("fire")])
    d = np.hypot(*(fire[:, None] - fire[None]).transpose(2, 0, 1))
    assert d[~np.eye(len(fire), dtype=bool)].min() > 1000


def test_oneways(kit: Kit) -> None:
    g = kit.roads
    assert g.edge_oneway.any()
    assert np.all(g.edge_class[g.edge_oneway] == RoadClass.RESIDENTIAL)
    assert 0.10 <= _residential_oneway_share(kit) <= 0.15
    # A one-way edge has no reverse edge; every other edge has one with the same class and speed.
    key = g.edge_src.astype(np.int64) * g.n_nodes + g.edge_dst
    rev = g.edge_dst.astype(np.int64) * g.n_nodes + g.edge_src
    order = np.argsort(key)
    pos = np.clip(np.searchsorted(key[order], rev), 0, len(key) - 1)
    has_rev = key[order][pos] == rev
    assert not has_rev[g.edge_oneway].any()
    assert has_rev[~g.edge_oneway].all()
    back = order[pos[~g.edge_oneway]]
    np.testing.assert_array_equal(g.edge_class[back], g.edge_class[~g.edge_oneway])
    np.testing.assert_array_equal(g.edge_speed[back], g.edge_speed[~g.edge_oneway])


def test_classes_speeds_and_links(kit: Kit) -> None:
    g = kit.roads
    present = set(np.unique(g.edge_class).tolist())
    assert {RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY, RoadClass.TERTIARY,
            RoadClass.RESIDENTIAL} <= present
    assert np.count_nonzero(g.edge_class == RoadClass.RESIDENTIAL) > g.n_edges / 2
    default = np.array([DEFAULT_SPEED_KMH[RoadClass(c)] for c in g.edge_class])
    assert np.all(np.abs(g.edge_speed / default - 1.0) <= 0.11)
    assert g.edge_link.dtype == np.uint64
    assert len(np.unique(g.edge_link)) == g.n_edges
    assert np.all((g.edge_link >= 1_000_000_000) & (g.edge_link < 10_000_000_000))  # 10 digits


def test_edge_lengths(kit: Kit) -> None:
    length = kit.roads.edge_length
    assert length.min() > 5.0
    assert 100.0 <= float(np.median(length)) <= 450.0
    assert length.max() < 1_500.0


def test_save_load_round_trip(kit: Kit, tmp_path: Path) -> None:
    loaded = load_kit(save_kit(kit, tmp_path / "kit"))
    assert loaded.path == tmp_path / "kit"
    _assert_same_kit(kit, loaded)


def test_cached_kit_loads_fast_without_generating(kit: Kit, cache_dir: Path, no_generation: None) -> None:
    assert (demo_kit.demo_kit_path(cache_dir) / "kit.json").is_file()
    t0 = time.perf_counter()
    cached = demo_kit.open_demo_city(cache_dir)
    elapsed = time.perf_counter() - t0
    assert cached.path == demo_kit.demo_kit_path(cache_dir)
    _assert_same_kit(kit, cached)
    assert elapsed < 1.0  # typically a few hundredths of a second


def test_damaged_cache_is_rebuilt(kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_kit(kit, demo_kit.demo_kit_path(tmp_path))
    (path / "roads.npz").write_bytes(b"not a kit")
    monkeypatch.setattr(city, "generate_demo_city", lambda seed=7: kit)
    rebuilt = demo_kit.open_demo_city(tmp_path)
    _assert_same_kit(kit, load_kit(path))
    assert rebuilt.path == path


def test_racing_writer_loses_gracefully(kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process lands the same kit first, so this one's rename fails: it opens the other's kit."""
    real_save = demo_kit.save_kit

    def save_after_other_process(k: Kit, path: Path) -> Path:
        real_save(k, path)  # the other process
        raise OSError(39, "Directory not empty")

    monkeypatch.setattr(city, "generate_demo_city", lambda seed=7: kit)
    monkeypatch.setattr(demo_kit, "save_kit", save_after_other_process)
    got = demo_kit.open_demo_city(tmp_path)
    assert got.path == demo_kit.demo_kit_path(tmp_path)
    _assert_same_kit(kit, got)


def test_unwritable_cache_still_gives_the_kit(kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setattr(city, "generate_demo_city", lambda seed=7: kit)
    monkeypatch.setattr(demo_kit.time, "sleep", lambda _s: None)
    got = demo_kit.open_demo_city(blocker)
    assert got.path is None
    _assert_same_kit(kit, got)


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    name = demo_kit.demo_kit_path(tmp_path).name
    assert name.startswith(f"demo-daejeon-v{demo_kit.DEMO_CITY_VERSION}-")
    monkeypatch.setenv("SITROOM_CACHE", str(tmp_path))
    assert demo_kit.demo_kit_path() == tmp_path / name
    monkeypatch.delenv("SITROOM_CACHE")
    assert demo_kit.demo_kit_path() == Path.home() / ".cache" / "sitroom" / name
    assert demo_kit.demo_kit_path(tmp_path / "x") == tmp_path / "x" / name


def test_cli_summary(kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(city, "generate_demo_city", lambda seed=7: kit)
    assert demo_kit.main(["--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert f"{kit.roads.n_nodes:,} nodes" in out and f"{kit.roads.n_edges:,} directed edges" in out
    assert "residential" in out and "fire 20" in out and "generated in" in out
    _assert_same_kit(kit, load_kit(tmp_path / "demo"))


@pytest.mark.parametrize(("hangul", "latin"), [
    ("유성구", "Yuseong-gu"), ("대덕구", "Daedeok-gu"), ("둔산동", "Dunsan-dong"), ("신탄진동", "Sintanjin-dong"),
    ("덕암동", "Deogam-dong"), ("읍내동", "Eumnae-dong"), ("중리동", "Jungni-dong"), ("탑립동", "Tamnip-dong"),
    ("덕명동", "Deongmyeong-dong"), ("만년동", "Mannyeon-dong"), ("판암동", "Panam-dong"), ("오류동", "Oryu-dong"),
    ("은행동", "Eunhaeng-dong"), ("대동", "Dae-dong"),
])
def test_romanised_names(hangul: str, latin: str) -> None:
    assert city.district_name_en(hangul) == latin


def test_romanize_liquid_rules() -> None:
    assert city.romanize("신라") == "silla"
    assert city.romanize("종로") == "jongno"
    assert city.romanize("대전") == "daejeon"
