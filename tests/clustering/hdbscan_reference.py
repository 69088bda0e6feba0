"""Reference HDBSCAN labels for tests/clustering/hdbscan_test.cpp: a numpy transcription of
scikit-learn-contrib/hdbscan's _hdbscan_tree.pyx (condense_tree, compute_stability, EOM get_clusters,
do_labelling; allow_single_cluster=False) on the Prim MST of mutual reachability, with the core
distance counted as sklearn / R dbscan do (min_samples-th neighbour, the point itself included).
Run: /usr/bin/python3 hdbscan_reference.py --make-d2 (writes d2.csv, the test's kD2), then
/usr/bin/python3 hdbscan_reference.py d2.csv 3 5 8 (labels + 1, 0 = noise, as R prints them)."""
import sys
import numpy as np
from scipy.spatial.distance import cdist


def mst_prim(mr):
    n = len(mr)
    in_tree = np.zeros(n, bool); in_tree[0] = True
    best = mr[0].copy(); src = np.zeros(n, int)
    edges = []
    for _ in range(n - 1):
        cand = np.where(~in_tree)[0]
        j = cand[np.argmin(best[cand])]
        edges.append((src[j], j, best[j])); in_tree[j] = True
        upd = mr[j] < best
        best[upd] = mr[j][upd]; src[upd] = j
    return np.array(edges)


def label(mst):
    mst = mst[np.argsort(mst[:, 2], kind="stable")]
    n = len(mst) + 1
    parent = np.arange(2 * n - 1); size = np.r_[np.ones(n, int), np.zeros(n - 1, int)]
    def find(x):
        while parent[x] != x: x = parent[x]
        return x
    out = []
    for i, (a, b, d) in enumerate(mst):
        ra, rb = find(int(a)), find(int(b))
        out.append((ra, rb, d, size[ra] + size[rb]))
        parent[ra] = parent[rb] = n + i; size[n + i] = size[ra] + size[rb]
    return np.array(out)


def bfs(h, root):
    n = len(h) + 1
    todo, res = [root], []
    while todo:
        res += todo
        todo = [int(c) for x in todo if x >= n for c in h[x - n][:2]]
    return res


def condense(h, mcs):
    root = 2 * len(h); n = len(h) + 1
    relabel = {root: n}; nxt = n + 1; ignore = set(); out = []
    for node in bfs(h, root):
        if node in ignore or node < n: continue
        l, r, d, _ = h[node - n]; l, r = int(l), int(r)
        lam = 1.0 / d if d > 0 else np.inf
        lc = h[l - n][3] if l >= n else 1; rc = h[r - n][3] if r >= n else 1
        if lc >= mcs and rc >= mcs:
            relabel[l] = nxt; nxt += 1; out.append((relabel[node], relabel[l], lam, lc))
            relabel[r] = nxt; nxt += 1; out.append((relabel[node], relabel[r], lam, rc))
        else:
            for side, cnt, other in ((l, lc, r), (r, rc, l)):
                if cnt < mcs:
                    for s in bfs(h, side):
                        if s < n: out.append((relabel[node], s, lam, 1))
                        ignore.add(s)
            if lc < mcs <= rc: relabel[r] = relabel[node]
            if rc < mcs <= lc: relabel[l] = relabel[node]
    return out, n


def clusters(tree, n):
    births = {n: 0.0}
    for p, c, lam, s in tree:
        if c >= n: births[c] = lam
    stab = {c: 0.0 for c in births}
    for p, c, lam, s in tree: stab[p] += (lam - births[p]) * s
    nodes = sorted(stab, reverse=True)[:-1]
    kids = {}
    for p, c, lam, s in tree:
        if s > 1: kids.setdefault(p, []).append(c)
    sel = {c: True for c in nodes}
    for node in nodes:
        sub = sum(stab[c] for c in kids.get(node, []))
        if sub > stab[node]:
            sel[node] = False; stab[node] = sub
        else:
            todo = list(kids.get(node, []))
            while todo:
                x = todo.pop(); sel[x] = False; todo += kids.get(x, [])
    chosen = sorted(c for c in nodes if sel[c])
    owner = {n: -1}
    par = {c: p for p, c, lam, s in tree if c >= n}
    for c in sorted(par): owner[c] = c if c in chosen else owner[par[c]]
    lab = np.full(n, -1)
    for p, c, lam, s in tree:
        if c < n and owner[p] >= 0: lab[c] = chosen.index(owner[p])
    return lab


def make_d2():
    rng = np.random.RandomState(11)
    t = rng.uniform(0, np.pi, 40); outer = np.c_[np.cos(t), np.sin(t)]
    t = rng.uniform(0, np.pi, 40); inner = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    moons = np.vstack([outer, inner]) + rng.normal(scale=0.1, size=(80, 2))
    blob = np.array([3.2, 1.5]) + rng.normal(scale=0.25, size=(30, 2))
    noise = rng.uniform(-1.5, 4, size=(10, 2))
    np.savetxt("d2.csv", np.round(np.vstack([moons, blob, noise]), 4), delimiter=",", fmt="%.4f")


if __name__ == "__main__":
    if sys.argv[1] == "--make-d2":
        make_d2()
        sys.exit(0)
    X = np.loadtxt(sys.argv[1], delimiter=",")
    D = cdist(X, X)
    for m in map(int, sys.argv[2:]):
        core = np.sort(D, axis=1)[:, m - 1]
        mr = np.maximum(D, np.maximum(core[:, None], core[None, :]))
        tree, n = condense(label(mst_prim(mr)), m)
        print("m=%d:" % m, " ".join(str(v + 1) for v in clusters(tree, n)))
