// The VAE reductions inside pipelines and the grid: one all-class VAE shared by every class and
// scaling, one VAE per class, the cache, and the errors for images the VAE cannot take.
#include <gtest/gtest.h>

#include <filesystem>

#include "clustering_test_data.h"
#include "mutagen/clustering/grid.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pipeline.h"
#include "mutagen/error.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace mutagen;
using clustering_test::groups_of;
using clustering_test::image_groups;

namespace {

// image_groups() blown up to 28x28 (nearest neighbour), the size the VAE takes.
Dataset groups_28(int64_t per_group, std::vector<int64_t>* group) {
  Dataset d = image_groups(per_group, 5, group);
  d.images = torch::upsample_nearest2d(d.images, {28, 28}).contiguous();
  return d;
}

VaeOptions quick() { return VaeOptions().epochs(4).batch_size(16); }

int64_t files_in(const fs::path& dir) {
  int64_t n = 0;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST(VaePipeline, BothVaesFindTheTwoGroupsOfAClass) {
  std::vector<int64_t> group;
  const Dataset data = groups_28(20, &group);
  for (const char* p : {"scale255+vae+kmeans:2", "scale255+vae-class+kmeans:2"}) {
    const ClusterFile f = cluster_dataset(data, {0, 2}, p, 4, quick());
    for (const ClassClusters& c : f.classes)
      EXPECT_GE(adjusted_rand_index(c.labels, groups_of(data, group, c.cls)), 0.95)
          << p << " class " << c.cls;
    EXPECT_EQ(f.details["classes"]["0"]["features"], 10) << p;  // the 10-d latent
    const std::string info = f.details["classes"]["0"]["reduction"].get<std::string>();
    EXPECT_NE(info.find(std::string(p).find("class") != std::string::npos ? "VAE of class 0"
                                                                          : "all-class VAE"),
              std::string::npos)
        << info;
  }
}

TEST(VaePipeline, OneAllClassVaePerDataSetAndOnePerClassInTheCache) {
  std::vector<int64_t> group;
  const Dataset data = groups_28(12, &group);
  const fs::path dir = testing_support::temp_dir("vae_pipeline_cache");
  const VaeOptions o = quick().cache_dir((dir / "vae").string());
  // none, scale255 and normalisation differ by one affine map of all pixels: the VAE sees the same
  // images (bytes / 255), so the latent means and the clusters are the same.
  const ClusterFile a = cluster_dataset(data, {0, 1}, "vae+kmeans:2", 8, o);
  EXPECT_EQ(files_in(dir / "vae"), 1);  // one VAE for both classes
  const ClusterFile b = cluster_dataset(data, {0, 1}, "scale255+vae+kmeans:2", 8, o);
  const ClusterFile c = cluster_dataset(data, {0, 1}, "normalisation+vae+kmeans:2", 8, o);
  EXPECT_EQ(files_in(dir / "vae"), 1);  // reused, not retrained
  for (size_t i = 0; i < a.classes.size(); ++i) {
    EXPECT_EQ(a.classes[i].labels, b.classes[i].labels);
    EXPECT_EQ(a.classes[i].labels, c.classes[i].labels);
  }
  EXPECT_NE(b.details["classes"]["0"]["reduction"].get<std::string>().find("from the cache"),
            std::string::npos);
  cluster_dataset(data, {0, 1}, "vae-class+kmeans:2", 8, o);
  EXPECT_EQ(files_in(dir / "vae"), 3);  // + one per class
  // Another seed is another VAE.
  cluster_dataset(data, {0}, "vae+kmeans:2", 9, o);
  EXPECT_EQ(files_in(dir / "vae"), 4);
}

TEST(VaePipeline, GridRowsMatchThePipelineRunAloneAndSkipThreshold) {
  std::vector<int64_t> group;
  const Dataset data = groups_28(10, &group);
  const fs::path dir = testing_support::temp_dir("vae_grid_cache");
  const VaeOptions vae = quick().cache_dir(dir.string());
  GridOptions o = GridOptions::preset("quick");
  o.thresholds({false, true})
      .scalings({Scaling::Scale255, Scaling::Standard})
      .reductions({"vae", "vae-class"})
      .min_cluster_sizes({})
      .vae(vae);
  const GridResult g = run_grid(data, {0, 2}, o, 3);
  // 2 classes x 2 scalings x 2 reductions (never after threshold) x (4 kmeans + 4 ward + 4 gmm).
  ASSERT_EQ(g.rows.size(), 2u * 2 * 2 * 12);
  EXPECT_TRUE(g.notes.empty());
  EXPECT_EQ(files_in(dir), 3);  // all-class + classes 0 and 2
  for (const GridRow& row : g.rows) {
    EXPECT_EQ(row.features, 10);
    EXPECT_EQ(row.combination.find("threshold"), std::string::npos);
  }
  for (size_t i = 0; i < g.rows.size(); i += 5) {
    const GridRow& row = g.rows[i];
    if (row.verdict == "failed") continue;
    const ClusterFile alone = cluster_dataset(data, {row.cls}, row.combination, 3, vae);
    EXPECT_EQ(alone.details["classes"][std::to_string(row.cls)]["cluster_sizes"],
              nlohmann::json(row.cluster_sizes))
        << row.combination;
  }
}

TEST(VaePipeline, ImagesThatAreNot28x28GetAClearError) {
  std::vector<int64_t> group;
  const Dataset small = image_groups(6, 1, &group);  // 6x6 images
  testing_support::expect_error(
      [&] { cluster_dataset(small, {0}, "scale255+vae-class+kmeans:2", 0, quick()); },
      {"class 0", "28x28"});
  // In the grid the VAE rows are skipped with a note; the other reductions still run.
  GridOptions o = GridOptions::preset("quick");
  o.reductions({"vae", "pca95"}).min_cluster_sizes({}).vae(quick());
  const GridResult g = run_grid(small, {0}, o, 0);
  EXPECT_EQ(g.rows.size(), 12u);
  ASSERT_EQ(g.notes.size(), 1u);
  EXPECT_NE(g.notes[0].find("28x28"), std::string::npos) << g.notes[0];
}
