// Pipeline names, scaling/threshold, cluster_dataset() and the grid on small synthetic image data.
#include "mutagen/clustering/pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "clustering_test_data.h"
#include "mutagen/clustering/grid.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pipeline_spec.h"
#include "mutagen/clustering/scaling.h"
#include "mutagen/clustering/threshold.h"
#include "mutagen/error.h"

using namespace mutagen;
using clustering_test::groups_of;
using clustering_test::image_groups;

namespace {
std::string error_of(const std::string& pipeline) {
  try {
    parse_pipeline(pipeline);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(PipelineName, ParsesEveryKindOfStep) {
  PipelineSpec s = parse_pipeline("threshold+standard+pca95+agglomerative:4:average");
  EXPECT_TRUE(s.threshold);
  EXPECT_EQ(s.scaling, Scaling::Standard);
  EXPECT_EQ(s.reduction, Reduction::Pca);
  EXPECT_EQ(s.method, ClusteringMethod::Agglomerative);
  EXPECT_EQ(s.k, 4);
  EXPECT_EQ(s.linkage, Linkage::Average);
  EXPECT_EQ(s.name(), "threshold+standard+pca95+agglomerative:4:average");

  s = parse_pipeline("kmeans:auto");
  EXPECT_EQ(s.k, 0);
  EXPECT_EQ(s.name(), "none+raw+kmeans:auto");
  EXPECT_EQ(parse_pipeline("normalisation+umap2+hdbscan:200").min_cluster_size, 200);
  EXPECT_EQ(parse_pipeline("normalisation+umap10+hdbscan:20").umap_components, 10);
  EXPECT_EQ(parse_pipeline("pca:12+gmm:3:tied").pca_components, 12);
  EXPECT_EQ(parse_pipeline("pca:12+gmm:3:tied").covariance, CovarianceType::Tied);
  EXPECT_EQ(parse_pipeline("minmax+vae-class+kmeans:3").reduction, Reduction::VaeClass);
  for (const char* name : {"scale255+raw+kmeans:5", "threshold+none+pca:3+gmm:2:spherical",
                           "normalisation+vae+kmeans:3", "minmax+umap2+hdbscan:10"})
    EXPECT_EQ(parse_pipeline(parse_pipeline(name).name()).name(), parse_pipeline(name).name());
}

TEST(PipelineName, ErrorsNameTheStepAndListValidOnes) {
  std::string e = error_of("normalisation+pca96+kmeans:3");
  EXPECT_NE(e.find("'pca96'"), std::string::npos) << e;
  EXPECT_NE(e.find("pca95"), std::string::npos) << e;  // lists the valid steps
  EXPECT_NE(e.find("kmeans:<k|auto>"), std::string::npos) << e;
  e = error_of("normalisation+pca95");
  EXPECT_NE(e.find("no clustering step"), std::string::npos) << e;
  e = error_of("kmeans:3+pca95");
  EXPECT_NE(e.find("'pca95'"), std::string::npos) << e;
  EXPECT_NE(e.find("after 'kmeans:3'"), std::string::npos) << e;
  e = error_of("gmm:3:round");
  EXPECT_NE(e.find("'gmm:3:round'"), std::string::npos) << e;
  EXPECT_NE(e.find("spherical"), std::string::npos) << e;
  e = error_of("threshold+vae+kmeans:3");
  EXPECT_NE(e.find("28x28"), std::string::npos) << e;
  for (const char* bad : {"", "+kmeans:3", "kmeans:3+", "kmeans:1", "kmeans:x", "kmeans",
                          "agglomerative:3", "agglomerative:3:single", "hdbscan:1", "hdbscan:",
                          "pca:0+kmeans:2", "standard+minmax+kmeans:2", "pca95+umap2+kmeans:2",
                          "kmeans:2+kmeans:3", "KMEANS:3", "kmeans:-3", "normalization+kmeans:3"})
    EXPECT_THROW(parse_pipeline(bad), Error) << bad;
}

TEST(Scaling, ConstantFeaturesBecomeZeroNotNaN) {
  Eigen::MatrixXd X(4, 3);
  X << 1, 5, 0,  //
      2, 5, 10,  //
      3, 5, 20,  //
      4, 5, 30;
  for (Scaling s : {Scaling::None, Scaling::Scale255, Scaling::Normalisation, Scaling::Standard,
                    Scaling::MinMax})
    EXPECT_TRUE(scale_features(X, s).allFinite()) << to_string(s);
  const Eigen::MatrixXd st = scale_features(X, Scaling::Standard);
  EXPECT_TRUE(st.col(1).isZero(0.0));
  EXPECT_NEAR(st.col(0).mean(), 0.0, 1e-12);
  EXPECT_NEAR(st.col(0).squaredNorm() / 4.0, 1.0, 1e-12);  // population std
  const Eigen::MatrixXd mm = scale_features(X, Scaling::MinMax);
  EXPECT_TRUE(mm.col(1).isZero(0.0));
  EXPECT_DOUBLE_EQ(mm(3, 2), 1.0);
  EXPECT_DOUBLE_EQ(mm(1, 2), 1.0 / 3.0);
  const Eigen::MatrixXd nz = scale_features(X, Scaling::Normalisation);
  EXPECT_NEAR(nz.mean(), 0.0, 1e-12);
  EXPECT_NEAR(nz.squaredNorm() / 12.0, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(scale_features(X, Scaling::Scale255)(3, 3 - 1), 30.0 / 255.0);
  EXPECT_TRUE(
      scale_features(Eigen::MatrixXd::Constant(3, 2, 7.0), Scaling::Normalisation).isZero(0));
  X(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(scale_features(X, Scaling::Standard), Error);
  EXPECT_THROW(parse_scaling("normalization"), Error);
}

TEST(Threshold, KeepsFeaturesAboveFractionOfTheMostActive) {
  // Means: 100, 7.8, 7.7, 0, 50 -> cut 7.8: keep 0, 1, 4.
  Eigen::MatrixXd X(2, 5);
  X << 100, 7.8, 7.7, 0, 0,  //
      100, 7.8, 7.7, 0, 100;
  EXPECT_EQ(active_features(X), (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(select_features(X, {4, 0}).row(1), Eigen::RowVector2d(100, 100));
  EXPECT_THROW(active_features(Eigen::MatrixXd::Zero(3, 3)), Error);
  EXPECT_THROW(select_features(X, {5}), Error);
}

TEST(ClusterDataset, RecoversImageGroupsPerClass) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(30, 1, &group);
  const ClusterFile f = cluster_dataset(data, {0, 2}, "normalisation+pca95+kmeans:auto", 5);
  EXPECT_EQ(f.pipeline, "normalisation+pca95+kmeans:auto");
  EXPECT_EQ(f.dataset_name, "synthetic-groups");
  EXPECT_EQ(f.dataset_size, data.labels.size(0));
  ASSERT_EQ(f.classes.size(), 2u);
  for (int64_t cls : {0, 2}) {
    const ClassClusters& c = f.for_class(cls);
    ASSERT_EQ(c.samples.size(), 60u);
    for (int64_t s : c.samples) EXPECT_EQ(data.labels[s].item<int64_t>(), cls);
    EXPECT_DOUBLE_EQ(adjusted_rand_index(c.labels, groups_of(data, group, cls)), 1.0);
    const auto& d = f.details["classes"][std::to_string(cls)];
    EXPECT_EQ(d["k"], 2);
    EXPECT_EQ(d["cluster_sizes"], nlohmann::json({30, 30}));
    EXPECT_GT(d["silhouette"].get<double>(), 0.5);
    EXPECT_EQ(d["auto_k"].size(), 4u);
  }
  // The cluster file survives a JSON round trip.
  const ClusterFile back = ClusterFile::from_json(f.to_json());
  EXPECT_EQ(back.for_class(2).labels, f.for_class(2).labels);
}

TEST(ClusterDataset, EveryMethodRunsAndIsDeterministic) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(20, 2, &group);
  for (const char* p :
       {"kmeans:2", "threshold+scale255+raw+agglomerative:2:ward", "standard+pca:3+gmm:2:diag",
        "minmax+pca95+gmm:2:full", "threshold+normalisation+pca95+agglomerative:2:complete"}) {
    const ClusterFile a = cluster_dataset(data, {0}, p, 9);
    const ClusterFile b = cluster_dataset(data, {0}, p, 9);
    EXPECT_EQ(a.classes[0].labels, b.classes[0].labels) << p;
    EXPECT_GE(adjusted_rand_index(a.classes[0].labels, groups_of(data, group, 0)), 0.95) << p;
  }
  // Threshold keeps the same pixels for every class (computed on the whole data set).
  const ClusterFile t = cluster_dataset(data, {0, 1}, "threshold+kmeans:2", 1);
  EXPECT_EQ(t.details["threshold"]["features_kept"].get<int64_t>(),
            t.details["classes"]["1"]["input_features"].get<int64_t>());
}

TEST(ClusterDataset, BadInputGivesErrors) {
  std::vector<int64_t> group;
  Dataset data = image_groups(4, 3, &group);
  EXPECT_THROW(cluster_dataset(data, {7}, "kmeans:2", 0), Error);     // empty class
  EXPECT_THROW(cluster_dataset(data, {}, "kmeans:2", 0), Error);      // no classes
  EXPECT_THROW(cluster_dataset(data, {0, 0}, "kmeans:2", 0), Error);  // repeated
  EXPECT_THROW(cluster_dataset(data, {1}, "kmeans:9", 0), Error);     // k > n (4 samples)
  EXPECT_THROW(cluster_dataset(data, {1}, "gmm:9:full", 0), Error);   // k > n
  EXPECT_THROW(cluster_dataset(data, {1}, "agglomerative:9:ward", 0), Error);
  EXPECT_THROW(cluster_dataset(data, {1}, "pca95+kmeans:bad", 0), Error);
  try {
    cluster_dataset(data, {1}, "kmeans:9", 0);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("class 1"), std::string::npos) << e.what();
  }
  Dataset nan = data;
  nan.images = data.images.clone();
  nan.images[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(cluster_dataset(nan, {data.labels[0].item<int64_t>()}, "kmeans:2", 0), Error);
  Dataset flat = data;
  flat.images = torch::full_like(data.images, 0.5);  // every sample identical
  EXPECT_THROW(cluster_dataset(flat, {0}, "standard+kmeans:2", 0), Error);
  Dataset mismatch = data;
  mismatch.labels = data.labels.slice(0, 0, 3);
  EXPECT_THROW(cluster_dataset(mismatch, {0}, "kmeans:2", 0), Error);
}

TEST(Grid, RowsMatchTheSamePipelineRunAlone) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(15, 4, &group);
  GridOptions o = GridOptions::preset("quick");
  o.thresholds({false, true}).reductions({"pca95", "raw"}).min_cluster_sizes({});
  const GridResult g = run_grid(data, {0, 1}, o, 21);
  // 2 classes x 2 preprocessings x 2 reductions x (4 kmeans + 4 ward + 4 gmm full).
  ASSERT_EQ(g.rows.size(), 2u * 2 * 2 * 12);
  EXPECT_TRUE(g.notes.empty());
  for (size_t i = 0; i < g.rows.size(); i += 7) {
    const GridRow& row = g.rows[i];
    if (row.verdict == "failed") continue;
    const ClusterFile alone = cluster_dataset(data, {row.cls}, row.combination, 21);
    EXPECT_EQ(alone.details["classes"][std::to_string(row.cls)]["cluster_sizes"],
              nlohmann::json(row.cluster_sizes))
        << row.combination;
  }
  // Class 0 has two clean groups: k = 2 wins the silhouette ranking for it.
  ASSERT_FALSE(g.silhouette.best.empty());
  EXPECT_EQ(g.silhouette.losses[0].best_metric,
            g.silhouette.losses[0].best_metric);  // not NaN
  bool any_two = false;
  for (const auto& row : g.rows)
    if (row.cls == 0 && row.combination == g.silhouette.losses[0].best_for_class)
      any_two = row.cluster_sizes == std::vector<int64_t>{15, 15};
  EXPECT_TRUE(any_two) << g.silhouette.losses[0].best_for_class;
  const std::string csv = g.table_csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "class,cluster_sizes,noise,preprocessing,reduction,features,clustering,params,"
            "silhouette,dbcv,calinski_harabasz,davies_bouldin,fit_seconds,verdict,combination,"
            "error");
  EXPECT_NE(csv.find("[15 15]"), std::string::npos);
  EXPECT_TRUE(g.ranking_json()["silhouette"]["best"].is_string());
  EXPECT_THROW(GridOptions::preset("huge"), Error);
}

TEST(ClusterDataset, HdbscanPipelineUsesDbcvNotSilhouette) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(25, 6, &group);
  const ClusterFile f = cluster_dataset(data, {0}, "normalisation+pca:2+hdbscan:5", 2);
  const auto& d = f.details["classes"]["0"];
  EXPECT_TRUE(d["silhouette"].is_null());
  EXPECT_EQ(d["min_cluster_size"], 5);
  for (int64_t l : f.classes[0].labels) EXPECT_GE(l, -1);
  int64_t clustered = 0;
  for (int64_t s : d["cluster_sizes"].get<std::vector<int64_t>>()) clustered += s;
  EXPECT_EQ(clustered + d["noise"].get<int64_t>(), 50);
  if (d["cluster_sizes"].size() >= 2) {
    EXPECT_TRUE(d["dbcv"].is_number());
  }
}

TEST(Grid, HdbscanRowsAreRankedByDbcvApart) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(20, 7, &group);
  GridOptions o = GridOptions::preset("quick");
  o.reductions({"pca:2"}).min_cluster_sizes({5, 10});
  const GridResult g = run_grid(data, {0, 2}, o, 3);
  int64_t hdb = 0;
  for (const GridRow& row : g.rows) {
    if (row.clustering != "hdbscan") continue;
    ++hdb;
    EXPECT_TRUE(std::isnan(row.silhouette)) << row.combination;
  }
  EXPECT_EQ(hdb, 2 * 2);
  for (const auto& c : g.dbcv.combinations)
    EXPECT_NE(c.combination.find("hdbscan"), std::string::npos);
  for (const auto& c : g.silhouette.combinations)
    EXPECT_EQ(c.combination.find("hdbscan"), std::string::npos);
}

TEST(Grid, SameRowsForAnyThreadCount) {
  std::vector<int64_t> group;
  const Dataset data = image_groups(15, 7, &group);
  GridOptions o = GridOptions::preset("quick");
  // UMAP too: with two threads or more the reductions run ahead on a thread of their own (UMAP
  // then single-threaded, its 2-d and 10-d runs sharing one neighbour graph), across classes.
  o.linkages({Linkage::Ward, Linkage::Average})
      .covariances({CovarianceType::Full, CovarianceType::Diag})
      .reductions({"pca95", "umap2", "umap10"});
  const GridResult one = run_grid(data, {0, 2}, GridOptions(o).threads(1), 5);
  const GridResult two = run_grid(data, {0, 2}, GridOptions(o).threads(2), 5);
  const GridResult four = run_grid(data, {0, 2}, GridOptions(o).threads(4), 5);
  EXPECT_TRUE(one.notes.empty());
  ASSERT_EQ(one.rows.size(), 2u * 3u * 22u);  // classes x reductions x clusterings
  ASSERT_EQ(one.rows.size(), two.rows.size());
  ASSERT_EQ(one.rows.size(), four.rows.size());
  for (size_t i = 0; i < one.rows.size(); ++i) {
    EXPECT_EQ(one.rows[i].combination, two.rows[i].combination);
    EXPECT_EQ(one.rows[i].cluster_sizes, two.rows[i].cluster_sizes) << one.rows[i].combination;
    EXPECT_EQ(one.rows[i].cluster_sizes, four.rows[i].cluster_sizes) << one.rows[i].combination;
    EXPECT_EQ(one.rows[i].verdict, four.rows[i].verdict) << one.rows[i].combination;
  }
  // The whole table but the timing column is the same.
  auto without_seconds = [](GridResult g) {
    for (GridRow& r : g.rows) r.fit_seconds = 0;
    return g.table_csv();
  };
  EXPECT_EQ(without_seconds(one), without_seconds(two));
  EXPECT_EQ(without_seconds(one), without_seconds(four));
  EXPECT_EQ(one.silhouette.best, four.silhouette.best);
}

TEST(Grid, GlobalAffineScalingsGiveTheSameClusters) {
  // none, scale255 and normalisation differ by one map a x + b: the same clusters and metrics
  // (computed once), in the grid and in single pipelines; standard is a different input.
  std::vector<int64_t> group;
  const Dataset data = image_groups(20, 11, &group);
  for (const char* tail : {"+pca95+gmm:2:full", "+raw+kmeans:3", "+pca:3+hdbscan:5"}) {
    const ClusterFile none = cluster_dataset(data, {0, 2}, std::string("none") + tail, 3);
    for (const char* s : {"scale255", "normalisation"}) {
      const ClusterFile other = cluster_dataset(data, {0, 2}, std::string(s) + tail, 3);
      for (size_t c = 0; c < none.classes.size(); ++c)
        EXPECT_EQ(none.classes[c].labels, other.classes[c].labels) << s << tail;
    }
    EXPECT_EQ(none.details["classes"]["0"]["scaling_computed_as"], "normalisation");
  }
  GridOptions o = GridOptions::preset("quick");
  o.scalings({Scaling::None, Scaling::Standard, Scaling::Scale255, Scaling::Normalisation});
  const GridResult g = run_grid(data, {0}, o, 4);
  const size_t per = g.rows.size() / 4;  // rows per scaling, in scaling order
  ASSERT_EQ(g.rows.size(), 4 * per);
  for (size_t i = 0; i < per; ++i) {
    const GridRow &none = g.rows[i], &s255 = g.rows[2 * per + i], &norm = g.rows[3 * per + i];
    EXPECT_EQ(none.preprocessing, "none");
    EXPECT_EQ(s255.preprocessing, "scale255");
    EXPECT_EQ(s255.combination, "scale255" + none.combination.substr(4));
    EXPECT_EQ(none.cluster_sizes, s255.cluster_sizes) << none.combination;
    EXPECT_EQ(none.cluster_sizes, norm.cluster_sizes) << none.combination;
    EXPECT_EQ(std::isnan(none.silhouette) ? -9.0 : none.silhouette,
              std::isnan(norm.silhouette) ? -9.0 : norm.silhouette);
  }
}
