// `mutagen cluster --images F --labels F [--classes 0,5,7] [--grid thesis | --pipeline P] --seed S
//  --out clusters.json [--table results.csv] [--ranking ranking.csv] [--family silhouette|dbcv]
//  [--vae-epochs N] [--cache-dir D | --no-cache]`:
// per-class clustering of a data set (SPEC 2.1). With --pipeline, one named pipeline; with --grid,
// the thesis's grid, its results table, the rank scoring and the cluster file of the best
// combination. Trained VAEs are cached between runs (keyed by the training images and options).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mutagen/clustering/grid.h"
#include "mutagen/clustering/pipeline.h"
#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/io.h"
#include "output_path.h"

namespace mutagen::cli {

namespace {

constexpr const char* kDefaultPipeline = "normalisation+pca95+kmeans:auto";

struct ClusterArgs {
  std::string images, labels, name, grid, pipeline, out, table, ranking;
  std::string family = "silhouette";
  std::vector<int64_t> classes;
  uint64_t seed = 0;
  int64_t num_classes = 10;
  std::string cache_dir;
  bool no_cache = false;
  int64_t vae_epochs = VaeOptions().epochs();
};

// Where trained VAEs are kept between runs: --cache-dir, else $XDG_CACHE_HOME/mutagen/vae, else
// ~/.cache/mutagen/vae, else none.
std::string vae_cache_dir(const ClusterArgs& a) {
  if (a.no_cache) return "";
  if (!a.cache_dir.empty()) return a.cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/mutagen/vae";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/mutagen/vae";
  return "";
}

// "train-images-idx3-ubyte.gz" -> "train".
std::string default_name(const std::string& images) {
  std::string base = images.substr(images.find_last_of('/') + 1);
  for (const char* suffix : {".gz", "-images-idx3-ubyte", "-images.idx3-ubyte", ".idx3-ubyte"}) {
    const std::string s = suffix;
    if (base.size() > s.size() && base.compare(base.size() - s.size(), s.size(), s) == 0)
      base.resize(base.size() - s.size());
  }
  return base.empty() ? "data" : base;
}

std::string json_sibling(const std::string& csv) {
  const std::string ext = ".csv";
  if (csv.size() > ext.size() && csv.compare(csv.size() - ext.size(), ext.size(), ext) == 0)
    return csv.substr(0, csv.size() - ext.size()) + ".json";
  return csv + ".json";
}

void run_cluster(const ClusterArgs& a) {
  if (!a.grid.empty() && !a.pipeline.empty())
    throw Error("--grid and --pipeline exclude each other; give one");
  if (a.grid.empty() && (!a.table.empty() || !a.ranking.empty()))
    throw Error("--table and --ranking describe a grid run; add --grid thesis (or drop them)");
  const Dataset data = load_idx_dataset(
      a.images, a.labels, a.name.empty() ? default_name(a.images) : a.name, a.num_classes);
  std::vector<int64_t> classes = a.classes;
  if (classes.empty()) {  // every class with samples
    for (int64_t c = 0; c < a.num_classes; ++c)
      if (!data.indices_of_class(c).empty()) classes.push_back(c);
  }
  for (int64_t c : classes)
    if (c < 0 || c >= a.num_classes)
      throw Error("--classes: class " + std::to_string(c) + " out of range; expected 0.." +
                  std::to_string(a.num_classes - 1));

  if (a.vae_epochs < 1)
    throw Error("--vae-epochs " + std::to_string(a.vae_epochs) + ": expected at least 1");
  const VaeOptions vae = VaeOptions().epochs(a.vae_epochs).cache_dir(vae_cache_dir(a));

  if (a.grid.empty()) {
    const std::string pipeline = a.pipeline.empty() ? kDefaultPipeline : a.pipeline;
    const ClusterFile file = cluster_dataset(data, classes, pipeline, a.seed, vae);
    file.save(a.out);
    std::cout << "clusters: " << file.pipeline << " on " << classes.size() << " class(es) of '"
              << data.name << "' -> " << a.out << "\n";
    return;
  }

  const GridOptions options = GridOptions::preset(a.grid).vae(vae);
  const GridResult grid = run_grid(data, classes, options, a.seed);
  if (!a.table.empty()) write_file_atomic(a.table, grid.table_csv());
  if (!a.ranking.empty()) {
    write_file_atomic(a.ranking, grid.ranking_csv());
    write_json_atomic(json_sibling(a.ranking), grid.ranking_json());
  }
  const Ranking& ranking = a.family == "dbcv" ? grid.dbcv : grid.silhouette;
  if (ranking.best.empty())
    throw Error("grid '" + a.grid + "': no " + a.family +
                "-ranked combination passed the filter (see --table); nothing to write to " +
                a.out);
  ClusterFile file = cluster_dataset(data, classes, ranking.best, a.seed, vae);
  // The re-run must reproduce the grid's rows (same code and seeds).
  for (const GridRow& row : grid.rows) {
    if (row.combination != ranking.best) continue;
    const auto& sizes = file.details["classes"][std::to_string(row.cls)]["cluster_sizes"];
    if (sizes != nlohmann::json(row.cluster_sizes))
      spdlog::warn("cluster: class {}: re-run of {} gave sizes {}, the grid row {}", row.cls,
                   ranking.best, sizes.dump(), nlohmann::json(row.cluster_sizes).dump());
  }
  nlohmann::json summary = ranking.to_json();
  summary.erase("combinations");
  summary["top"] = nlohmann::json::array();
  for (size_t i = 0; i < ranking.combinations.size() && i < 10; ++i)
    summary["top"].push_back({{"combination", ranking.combinations[i].combination},
                              {"total", ranking.combinations[i].total}});
  file.details["grid"] = {{"preset", a.grid},         {"family", a.family},
                          {"rows", grid.rows.size()}, {"seconds", grid.seconds},
                          {"notes", grid.notes},      {"ranking", summary}};
  file.save(a.out);
  std::cout << "grid '" << a.grid << "': " << grid.rows.size() << " results; best by " << a.family
            << ": " << ranking.best << " -> " << a.out << "\n";
  for (const ClassLoss& l : ranking.losses)
    std::cout << "  class " << l.cls << ": best " << l.best_for_class << " (" << l.best_metric
              << "), chosen " << l.chosen_metric << (l.chosen_kept ? "" : " (dropped)") << ", loss "
              << l.loss << "\n";
}

}  // namespace

void add_cluster_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClusterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cluster",
      "Cluster the samples of each class (one pipeline, or the thesis's grid + ranking)");
  cmd->add_option("--images", args->images, "IDX images file (N x H x W, plain or .gz)")
      ->required();
  cmd->add_option("--labels", args->labels, "IDX labels file (N)")->required();
  cmd->add_option("--classes", args->classes, "classes to cluster, e.g. 0,5,7 (default: all)")
      ->delimiter(',');
  cmd->add_option("--pipeline", args->pipeline,
                  std::string("pipeline name, e.g. normalisation+umap2+hdbscan:200 (default ") +
                      kDefaultPipeline + ")");
  cmd->add_option("--grid", args->grid, "run a grid instead: thesis | thesis-fine | peer | quick");
  cmd->add_option("--family", args->family,
                  "with --grid: whose best combination goes to --out: silhouette (KMeans, "
                  "agglomerative, GMM) or dbcv (HDBSCAN)")
      ->check(CLI::IsMember({"silhouette", "dbcv"}))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of every random step")
      ->check(seed_value())
      ->capture_default_str();
  cmd->add_option("--out", args->out, "cluster file to write (JSON)")->required();
  cmd->add_option("--table", args->table, "with --grid: results table (CSV), one row per result");
  cmd->add_option("--ranking", args->ranking,
                  "with --grid: rank scoring and losses (CSV; the same as JSON beside it)");
  cmd->add_option("--name", args->name,
                  "data set name in the cluster file (default: from --images)");
  cmd->add_option("--num-classes", args->num_classes, "number of classes of the data set")
      ->capture_default_str();
  cmd->add_option("--vae-epochs", args->vae_epochs,
                  "training epochs of the VAE reductions (vae, vae-class; the thesis used 100)")
      ->capture_default_str();
  cmd->add_option("--cache-dir", args->cache_dir,
                  "folder for trained VAEs (default $XDG_CACHE_HOME/mutagen/vae or "
                  "~/.cache/mutagen/vae)");
  cmd->add_flag("--no-cache", args->no_cache, "train the VAEs afresh and keep nothing");
  cmd->callback([args, cmd, &exit_code] {
    try {
      // Given but meaningless: refused like --table without --grid, not silently ignored.
      if (cmd->count("--family") > 0 && args->grid.empty())
        throw Error("--family chooses among a grid's results; add --grid thesis (or drop it)");
      if (cmd->count("--pipeline") > 0 && args->pipeline.empty())
        throw Error("--pipeline '': expected a pipeline name, e.g. " +
                    std::string(kDefaultPipeline));
      const std::vector<std::pair<std::string, std::string>> inputs{{"--images", args->images},
                                                                    {"--labels", args->labels}};
      check_output_path("--out", args->out, inputs);
      if (!args->table.empty()) check_output_path("--table", args->table, inputs);
      if (!args->ranking.empty()) check_output_path("--ranking", args->ranking, inputs);
      run_cluster(*args);
      exit_code = 0;
    } catch (const Error& e) {
      std::cerr << "mutagen cluster: error: " << e.what() << "\n";
      exit_code = 2;
    }
  });
}

}  // namespace mutagen::cli
