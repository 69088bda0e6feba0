// Timed program (no assertions): UMAP to 2-d, its trustworthiness, and HDBSCAN(200) on
// Fashion-MNIST train class 0 (6000 x 784 bytes, normalised globally), median of 3 runs each.
// Compare with the peers through bench/run_cluster_bench.sh, which also runs umap-learn and R
// dbscan in the same session.
//
// usage: bench_umap_hdbscan [--fashion DIR] [--out EMBEDDING.csv] [--peer PEER_EMBEDDING.csv]
//                           [--runs N] [--threads T] [--seed S] [--components 2|10]
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/trustworthiness.h"
#include "mutagen/clustering/umap.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs f `runs` times; returns the median wall time and prints every run.
double median_time(const char* what, int runs, const std::function<void()>& f) {
  std::vector<double> ts;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    f();
    ts.push_back(seconds_since(t0));
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("  %s run %d: %.3f s (cpu %.3f s)\n", what, r + 1, ts.back(), cpu);
    std::fflush(stdout);
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

Eigen::MatrixXd read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw mutagen::Error("cannot read " + path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    rows.emplace_back();
    while (std::getline(ss, cell, ',')) rows.back().push_back(std::stod(cell));
  }
  Eigen::MatrixXd M(int64_t(rows.size()), rows.empty() ? 0 : int64_t(rows[0].size()));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) M(int64_t(i), int64_t(j)) = rows[i][j];
  return M;
}

void write_csv(const std::string& path, const Eigen::MatrixXd& M) {
  std::ofstream out(path);
  out.precision(9);
  for (int64_t i = 0; i < M.rows(); ++i)
    for (int64_t j = 0; j < M.cols(); ++j) out << M(i, j) << (j + 1 < M.cols() ? ',' : '\n');
}

void describe(const std::vector<int64_t>& labels, int64_t* clusters, int64_t* noise) {
  std::set<int64_t> s(labels.begin(), labels.end());
  *noise = std::count(labels.begin(), labels.end(), int64_t(-1));
  *clusters = int64_t(s.size()) - (s.count(-1) ? 1 : 0);
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::cfg::load_env_levels();
  std::string fashion = "/usr/share/datasets/fashion-mnist", out, peer;
  int runs = 3, threads = 2, components = 2;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--fashion")
      fashion = v;
    else if (a == "--out")
      out = v;
    else if (a == "--peer")
      peer = v;
    else if (a == "--runs")
      runs = std::max(1, std::stoi(v));
    else if (a == "--threads")
      threads = std::max(1, std::stoi(v));
    else if (a == "--seed")
      seed = std::stoull(v);
    else if (a == "--components")
      components = std::max(1, std::stoi(v));
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const auto t_load = std::chrono::steady_clock::now();
    const mutagen::Dataset data =
        mutagen::load_idx_dataset(fashion + "/train-images-idx3-ubyte.gz",
                                  fashion + "/train-labels-idx1-ubyte.gz", "fashion-mnist");
    const std::vector<int64_t> rows = data.indices_of_class(0);
    const torch::Tensor flat = data.flat_images().to(torch::kFloat64).contiguous();
    const int64_t d = flat.size(1);
    Eigen::MatrixXd X(int64_t(rows.size()), d);
    const double* p = flat.data_ptr<double>();
    for (size_t r = 0; r < rows.size(); ++r)
      for (int64_t c = 0; c < d; ++c) X(int64_t(r), c) = std::round(p[rows[r] * d + c] * 255.0);
    const double mean = X.mean();
    const double sd = std::sqrt((X.array() - mean).square().mean());
    X = ((X.array() - mean) / sd).matrix();
    std::printf("data: Fashion-MNIST train class 0, %lld x %lld, global normalisation (%.3f s)\n",
                (long long)X.rows(), (long long)X.cols(), seconds_since(t_load));

    Eigen::MatrixXd E;
    const auto o = mutagen::UmapOptions().n_components(components).seed(seed).threads(threads);
    const double t_umap = median_time("umap", runs, [&] { E = mutagen::umap_embed(X, o); });
    const auto t_tw = std::chrono::steady_clock::now();
    const double trust = mutagen::trustworthiness(X, E, 5);
    std::printf("RESULT umap_components=%d umap_median_s=%.4f\n", components, t_umap);
    std::printf("RESULT umap_trustworthiness=%.5f (k=5, %.2f s)\n", trust, seconds_since(t_tw));
    if (!out.empty()) write_csv(out, E);

    std::vector<int64_t> labels;
    const double t_hdb = median_time("hdbscan", runs, [&] { labels = mutagen::hdbscan(E, 200); });
    int64_t k = 0, noise = 0;
    describe(labels, &k, &noise);
    std::printf("RESULT hdbscan_median_s=%.4f\n", t_hdb);
    std::printf("RESULT hdbscan_clusters=%lld hdbscan_noise=%lld\n", (long long)k,
                (long long)noise);

    if (!peer.empty()) {
      const Eigen::MatrixXd P = read_csv(peer);
      if (P.rows() != X.rows())
        throw mutagen::Error("peer embedding " + peer + " has " + std::to_string(P.rows()) +
                             " rows");
      std::printf("RESULT peer_umap_trustworthiness=%.5f\n", mutagen::trustworthiness(X, P, 5));
      std::vector<int64_t> pl;
      const double t_peer =
          median_time("hdbscan on peer embedding", runs, [&] { pl = mutagen::hdbscan(P, 200); });
      describe(pl, &k, &noise);
      std::printf("RESULT hdbscan_on_peer_median_s=%.4f clusters=%lld noise=%lld\n", t_peer,
                  (long long)k, (long long)noise);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_umap_hdbscan: %s\n", e.what());
    return 1;
  }
  return 0;
}
