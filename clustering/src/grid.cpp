#include "mutagen/clustering/grid.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "class_data.h"
#include "csv.h"
#include "grid_fits.h"
#include "grid_reductions.h"
#include "linalg.h"
#include "mutagen/clustering/threshold.h"
#include "mutagen/error.h"
#include "steps.h"

namespace mutagen {

std::vector<int64_t> GridOptions::range(int64_t from, int64_t to, int64_t step) {
  std::vector<int64_t> out;
  for (int64_t v = from; v <= to; v += step) out.push_back(v);
  return out;
}

GridOptions GridOptions::preset(const std::string& name) {
  GridOptions o;
  if (name == "thesis") return o;
  if (name == "thesis-fine") return o.min_cluster_sizes(range(10, 200, 5));
  if (name == "peer")
    return o.thresholds({false})
        .scalings({Scaling::None, Scaling::Standard, Scaling::MinMax, Scaling::Scale255})
        .reductions({"pca95", "umap2"})
        .min_cluster_sizes({});
  if (name == "quick")
    return o.thresholds({false})
        .scalings({Scaling::Normalisation})
        .reductions({"pca95"})
        .linkages({Linkage::Ward})
        .covariances({CovarianceType::Full})
        .min_cluster_sizes({50, 100});
  throw Error("grid '" + name +
              "' is not known; expected one of: thesis | thesis-fine | peer | quick");
}

namespace {

using namespace clustering_detail;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = static_cast<int64_t>(std::llround(s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", static_cast<long>(t / 3600),
                  static_cast<long>((t % 3600) / 60));
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", static_cast<long>(t / 60),
                  static_cast<long>(t % 60));
  return buf;
}

std::string sizes_text(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? " " : "") + std::to_string(sizes[i]);
  return s + "]";
}

// The clusterings of the grid, in table order, as specs (reduction fields filled in later).
std::vector<PipelineSpec> clusterings(const GridOptions& o, bool with_hdbscan) {
  std::vector<PipelineSpec> out;
  PipelineSpec s;
  if (o.kmeans())
    for (int64_t k : o.ks()) {
      s.method = ClusteringMethod::KMeans;
      s.k = k;
      out.push_back(s);
    }
  for (Linkage l : o.linkages())
    for (int64_t k : o.ks()) {
      s.method = ClusteringMethod::Agglomerative;
      s.linkage = l;
      s.k = k;
      out.push_back(s);
    }
  for (CovarianceType c : o.covariances())
    for (int64_t k : o.ks()) {
      s.method = ClusteringMethod::Gmm;
      s.covariance = c;
      s.k = k;
      out.push_back(s);
    }
  if (with_hdbscan)
    for (int64_t m : o.min_cluster_sizes()) {
      s.method = ClusteringMethod::Hdbscan;
      s.min_cluster_size = m;
      s.k = 0;
      out.push_back(s);
    }
  return out;
}

struct Progress {
  int64_t total = 0, done = 0;
  Clock::time_point start = Clock::now(), last_log = Clock::now();
  void log(const std::string& where, bool force) {
    if (!force && seconds_since(last_log) < 10.0) return;
    last_log = Clock::now();
    const double elapsed = seconds_since(start);
    const double eta = done > 0
                           ? elapsed / static_cast<double>(done) * static_cast<double>(total - done)
                           : std::nan("");
    spdlog::info("grid: {} | {}/{} fits ({:.1f}%), elapsed {}, ETA {}", where, done, total,
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                 duration_text(elapsed), duration_text(eta));
  }
};

}  // namespace

GridResult run_grid(const Dataset& data, const std::vector<int64_t>& classes, const GridOptions& o,
                    uint64_t seed) {
  const auto t_start = Clock::now();
  check_dataset(data, "clustering grid");
  check_classes(data, classes, "clustering grid");
  for (int64_t k : o.ks())
    if (k < 2) throw Error("clustering grid: k = " + std::to_string(k) + "; expected k >= 2");
  for (int64_t m : o.min_cluster_sizes())
    if (m < 2)
      throw Error("clustering grid: HDBSCAN min_cluster_size " + std::to_string(m) +
                  "; expected >= 2");

  GridResult result;
  result.classes = classes;
  auto note = [&](const std::string& text) {
    result.notes.push_back(text);
    spdlog::warn("grid: {}", text);
  };

  std::vector<PipelineSpec> reductions;
  for (const std::string& name : o.reductions())
    reductions.push_back(parse_pipeline(name + "+kmeans:2"));
  const bool with_hdbscan = !o.min_cluster_sizes().empty();
  const std::vector<PipelineSpec> methods = clusterings(o, with_hdbscan);

  std::vector<int64_t> active;
  bool any_threshold = false;
  for (bool t : o.thresholds()) any_threshold = any_threshold || t;
  if (any_threshold) active = active_features_from_means(feature_means(data));

  VaeSet vaes(data, o.vae(), seed);
  const int threads = o.threads() > 0
                          ? static_cast<int>(o.threads())
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  Progress progress;
  // The VAEs take whole 28x28 images: never after thresholding (thesis 5.2).
  auto skipped = [](bool thr, const PipelineSpec& r) {
    return thr && (r.reduction == Reduction::Vae || r.reduction == Reduction::VaeClass);
  };
  int64_t pairs = 0;
  for (bool thr : o.thresholds())
    for (const PipelineSpec& r : reductions) pairs += skipped(thr, r) ? 0 : 1;
  progress.total =
      static_cast<int64_t>(classes.size() * o.scalings().size() * methods.size()) * pairs;
  spdlog::info(
      "grid: {} classes x {} scalings x {} (threshold, reduction) pairs x {} clusterings "
      "= {} fits",
      classes.size(), o.scalings().size(), pairs, methods.size(), progress.total);

  // The distinct reductions, in the order the rows need them: none, scale255 and normalisation
  // are computed once (computed_scaling, steps.h) and their rows repeated under each name.
  std::vector<ReductionJob> jobs;
  {
    std::set<std::tuple<int64_t, bool, Scaling, std::string>> seen;
    for (int64_t cls : classes)
      for (bool thr : o.thresholds())
        for (Scaling scaling : o.scalings())
          for (PipelineSpec base : reductions) {
            if (skipped(thr, base) ||
                !seen.emplace(cls, thr, computed_scaling(scaling), base.reduction_name()).second)
              continue;
            base.threshold = thr;
            base.scaling = scaling;
            jobs.push_back({cls, base});
          }
  }
  // BLAS on one thread throughout: the workers are the parallelism, and OpenBLAS's threaded
  // paths round differently (PCA, the VAE encoder), so the table would depend on the cores.
  const OneBlasThread one_blas_thread;
  // With two or more threads the reductions run ahead on a thread of their own, up to four (a
  // reduction is a few MB; thesis class 0: 100 s with two ahead, 96-104 s with four or eight,
  // within this machine's noise, so four).
  ReductionsAhead ahead(data, std::move(jobs), active, vaes, seed, threads > 1 ? 4 : 0, threads);

  TableMemory table_memory;  // one block for every reduction's distance table
  for (int64_t cls : classes) {
    const uint64_t cseed = clustering_seed(seed, cls);
    for (bool thr : o.thresholds()) {
      // Rows (or the reason the reduction failed) by computed scaling and reduction.
      std::map<std::pair<Scaling, std::string>, std::pair<std::vector<GridRow>, std::string>> done;
      for (Scaling scaling : o.scalings()) {
        const Scaling computed = computed_scaling(scaling);
        for (PipelineSpec base : reductions) {
          if (skipped(thr, base)) continue;
          base.threshold = thr;
          base.scaling = scaling;
          const std::string where = "class " + std::to_string(cls) + " " +
                                    base.preprocessing_name() + "+" + base.reduction_name();
          std::vector<PipelineSpec> specs = methods;
          for (PipelineSpec& spec : specs) {
            spec.threshold = base.threshold;
            spec.scaling = base.scaling;
            spec.reduction = base.reduction;
            spec.pca_variance = base.pca_variance;
            spec.pca_components = base.pca_components;
            spec.umap_components = base.umap_components;
          }
          const auto key = std::make_pair(computed, base.reduction_name());
          auto it = done.find(key);
          if (it == done.end()) {
            Reduced red = ahead.take();  // this key's reduction: the jobs are in this order
            std::vector<GridRow> rows;
            std::string failure = red.failure;
            if (failure.empty()) try {
                const auto t0 = Clock::now();
                // One distance table per reduction, shared by its silhouettes, HDBSCAN runs and
                // DBCVs.
                const std::unique_ptr<PairwiseDistances> dist =
                    distance_table(red.Z, std::move(table_memory));
                rows =
                    run_clusterings(red.Z, cls, specs, cseed, dist.get(), threads, [&](int64_t n) {
                      progress.done += n;
                      progress.log(where, false);
                    });
                if (dist) table_memory = dist->release_memory();
                spdlog::debug("grid: {}: {} fits in {:.2f} s wall (reduction {:.2f} s)", where,
                              specs.size(), seconds_since(t0), red.seconds);
              } catch (const Error& e) {
                failure = e.what();
              }
            if (!failure.empty()) progress.done += static_cast<int64_t>(methods.size());
            it = done.emplace(key, std::make_pair(std::move(rows), std::move(failure))).first;
          } else {
            progress.done += static_cast<int64_t>(methods.size());
          }
          if (!it->second.second.empty()) {
            note(where + " skipped: " + it->second.second);
            continue;
          }
          for (size_t i = 0; i < specs.size(); ++i) {
            GridRow row = it->second.first[i];
            row.combination = specs[i].name();
            row.preprocessing = specs[i].preprocessing_name();
            result.rows.push_back(std::move(row));
          }
          progress.log(where + " done", false);
        }
      }
    }
    progress.log("class " + std::to_string(cls) + " done", true);
  }

  std::vector<ScoredResult> sil, dbcv;
  for (const GridRow& row : result.rows) {
    if (row.verdict == "failed") continue;
    ScoredResult s;
    s.cls = row.cls;
    s.combination = row.combination;
    s.cluster_sizes = row.cluster_sizes;
    s.metric = row.uses_dbcv() ? row.dbcv : row.silhouette;
    (row.uses_dbcv() ? dbcv : sil).push_back(std::move(s));
  }
  result.silhouette = rank_combinations(sil, MetricFamily::Silhouette, classes);
  result.dbcv = rank_combinations(dbcv, MetricFamily::Dbcv, classes);
  result.seconds = seconds_since(t_start);
  spdlog::info("grid: {} rows in {}; best by silhouette: {}; best by DBCV: {}", result.rows.size(),
               duration_text(result.seconds),
               result.silhouette.best.empty() ? "-" : result.silhouette.best,
               result.dbcv.best.empty() ? "-" : result.dbcv.best);
  return result;
}

std::string GridResult::table_csv() const {
  std::ostringstream out;
  out << "class,cluster_sizes,noise,preprocessing,reduction,features,clustering,params,silhouette,"
         "dbcv,calinski_harabasz,davies_bouldin,fit_seconds,verdict,combination,error\n";
  for (const GridRow& r : rows)
    out << r.cls << ',' << sizes_text(r.cluster_sizes) << ',' << r.noise << ','
        << csv_field(r.preprocessing) << ',' << csv_field(r.reduction) << ',' << r.features << ','
        << r.clustering << ',' << csv_field(r.params) << ',' << csv_number(r.silhouette) << ','
        << csv_number(r.dbcv) << ',' << csv_number(r.calinski_harabasz) << ','
        << csv_number(r.davies_bouldin) << ',' << csv_number(r.fit_seconds) << ',' << r.verdict
        << ',' << csv_field(r.combination) << ',' << csv_field(r.error) << '\n';
  return out.str();
}

nlohmann::json GridResult::ranking_json() const {
  return {{"silhouette", silhouette.to_json()},
          {"dbcv", dbcv.to_json()},
          {"classes", classes},
          {"rows", rows.size()},
          {"notes", notes},
          {"seconds", seconds}};
}

std::string GridResult::ranking_csv() const {
  std::string sc = silhouette.combinations_csv(), dc = dbcv.combinations_csv();
  std::string sl = silhouette.losses_csv(), dl = dbcv.losses_csv();
  // Second tables without their header lines.
  dc = dc.substr(dc.find('\n') + 1);
  dl = dl.substr(dl.find('\n') + 1);
  return sc + dc + "\n" + sl + dl;
}

}  // namespace mutagen
