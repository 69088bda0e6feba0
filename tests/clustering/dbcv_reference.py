"""Reference DBCV values for tests/clustering/hdbscan_test.cpp: a line-by-line numpy transcription of
scikit-learn-contrib/hdbscan's validity.py (validity_index, Euclidean, d = number of features) and of
its Prim mst_linkage_core, for a data set without the optional package. Run: /usr/bin/python3 dbcv_reference.py d2.csv "<R minPts 5 labels, comma-separated>"
(d2.csv from hdbscan_reference.py --make-d2)."""
import sys
import numpy as np
from sklearn.metrics import pairwise_distances
from scipy.spatial.distance import cdist


def isclose(a, b, rtol=1.e-5, atol=1.e-8):
    return np.less_equal(np.abs(a - b), atol + rtol * np.abs(b))


def mst_linkage_core(distance_matrix):
    n = distance_matrix.shape[0]
    result = np.zeros((n - 1, 3))
    current_node = 0
    current_distances = np.inf * np.ones(n)
    current_labels = np.arange(n)
    for i in range(1, n):
        label_filter = current_labels != current_node
        current_labels = current_labels[label_filter]
        left = current_distances[label_filter]
        right = distance_matrix[current_node][current_labels]
        current_distances = np.where(left < right, left, right)
        k = np.argmin(current_distances)
        result[i - 1] = (current_node, current_labels[k], current_distances[k])
        current_node = current_labels[k]
    return result


def all_points_core_distance(distance_matrix, d):
    distance_matrix[distance_matrix != 0] = (1.0 / distance_matrix[distance_matrix != 0]) ** d
    result = distance_matrix.sum(axis=1)
    result /= distance_matrix.shape[0] - 1
    result **= (-1.0 / d)
    return result


def all_points_mutual_reachability(X, labels, cluster_id):
    distance_matrix = pairwise_distances(X[labels == cluster_id, :])
    core = all_points_core_distance(distance_matrix.copy(), d=X.shape[1])
    cm = np.tile(core, (core.shape[0], 1))
    return np.dstack([distance_matrix, cm, cm.T]).max(axis=-1), core


def internal_minimum_spanning_tree(mr):
    sl = mst_linkage_core(mr)
    mst = sl.copy()
    for index, row in enumerate(mst[1:], 1):
        cand = np.where(isclose(mr[int(row[1])], row[2]))[0]
        cand = np.intersect1d(cand, sl[:index, :2].astype(int))
        cand = cand[cand != row[1]]
        row[0] = cand[0]
    vertices = np.arange(mr.shape[0])[np.bincount(mst.T[:2].flatten().astype(np.int64)) > 1]
    sel = np.prod(np.in1d(mst.T[:2], vertices).reshape((mst.shape[0], 2), order='F'), axis=1).astype(bool)
    edges = mst[sel] if np.any(sel) else mst.copy()
    return vertices, edges


def density_separation(X, labels, c1, c2, n1, n2, core1, core2):
    dm = cdist(X[labels == c1][n1], X[labels == c2][n2])
    m1 = np.tile(core1[n1], (dm.shape[1], 1)).T
    m2 = np.tile(core2[n2], (dm.shape[0], 1))
    return np.dstack([dm, m1, m2]).max(axis=-1).min()


def validity_index(X, labels):
    core, sparse, nodes = {}, {}, {}
    k = labels.max() + 1
    sep = np.inf * np.ones((k, k))
    for c in range(k):
        if np.sum(labels == c) == 0:
            continue
        mr, core[c] = all_points_mutual_reachability(X, labels, c)
        nodes[c], edges = internal_minimum_spanning_tree(mr)
        sparse[c] = edges.T[2].max()
    for i in range(k):
        for j in range(i + 1, k):
            sep[i, j] = sep[j, i] = density_separation(X, labels, i, j, nodes[i], nodes[j], core[i], core[j])
    result = 0
    for i in range(k):
        v = (sep[i].min() - sparse[i]) / max(sep[i].min(), sparse[i])
        result += np.sum(labels == i) / float(X.shape[0]) * v
    return result


if __name__ == "__main__":
    X = np.loadtxt(sys.argv[1], delimiter=",")
    for name, lab in [("R minPts 5", None), ("thirds", np.arange(len(X)) * 3 // len(X)),
                      ("x sign", (X[:, 0] > 1.0).astype(int))]:
        if lab is None:
            lab = np.array([int(v) for v in sys.argv[2].split(",")]) - 1
        print("%s: %.12f" % (name, validity_index(X, lab)))
