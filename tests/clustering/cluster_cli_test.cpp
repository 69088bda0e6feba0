// `mutagen cluster` end to end on a small IDX data set (skipped when the CLI is not built).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "clustering_test_data.h"
#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/io.h"
#include "test_support.h"

using namespace mutagen;

namespace {

struct CliRun {
  int code = -1;
  std::string err;
};

CliRun cli(const std::string& dir, const std::string& args) {
  const std::string err = dir + "/stderr.txt";
  const std::string cmd = std::string("'") + MUTAGEN_CLI + "' cluster " + args + " >'" + dir +
                          "/stdout.txt' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err);
  return r;
}

class ClusterCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(MUTAGEN_CLI))
      GTEST_SKIP() << "the CLI binary " << MUTAGEN_CLI << " is not built (target mutagen_cli)";
    dir_ = testing_support::temp_dir("cli");
    data_ = clustering_test::image_groups(12, 3, &group_);
    const torch::Tensor bytes =
        data_.images.mul(255.0).round().to(torch::kUInt8).reshape({-1, 6, 6}).contiguous();
    write_idx(dir_ + "/train-images-idx3-ubyte", bytes);
    write_idx(dir_ + "/train-labels-idx1-ubyte", data_.labels.to(torch::kUInt8));
    io_ = "--images '" + dir_ + "/train-images-idx3-ubyte' --labels '" + dir_ +
          "/train-labels-idx1-ubyte' --num-classes 3";
  }
  std::string dir_, io_;
  Dataset data_;
  std::vector<int64_t> group_;
};

TEST_F(ClusterCli, PipelineWritesTheClusterFile) {
  const CliRun r = cli(
      dir_, io_ + " --classes 0,2 --pipeline kmeans:2 --seed 4 --out '" + dir_ + "/clusters.json'");
  ASSERT_EQ(r.code, 0) << r.err;
  const ClusterFile f = ClusterFile::load(dir_ + "/clusters.json");
  EXPECT_EQ(f.pipeline, "none+raw+kmeans:2");
  EXPECT_EQ(f.dataset_name, "train");
  EXPECT_EQ(f.seed, 4u);
  ASSERT_EQ(f.classes.size(), 2u);
  EXPECT_EQ(f.for_class(2).samples.size(), 24u);
  EXPECT_EQ(f.for_class(0).cluster_ids(), (std::vector<int64_t>{0, 1}));
}

TEST_F(ClusterCli, GridWritesTableRankingAndBestClusters) {
  const CliRun r = cli(dir_, io_ + " --classes 0,1 --grid quick --seed 1 --out '" + dir_ +
                                 "/best.json' --table '" + dir_ + "/results.csv' --ranking '" +
                                 dir_ + "/ranking.csv'");
  ASSERT_EQ(r.code, 0) << r.err;
  const ClusterFile f = ClusterFile::load(dir_ + "/best.json");
  const nlohmann::json ranking = read_json(dir_ + "/ranking.json");
  EXPECT_EQ(f.pipeline, ranking["silhouette"]["best"].get<std::string>());
  EXPECT_EQ(f.details["grid"]["preset"], "quick");
  std::ifstream table(dir_ + "/results.csv");
  std::string header;
  std::getline(table, header);
  EXPECT_EQ(header.substr(0, 20), "class,cluster_sizes,");
  int rows = 0;
  for (std::string line; std::getline(table, line);) ++rows;
  EXPECT_GE(rows, 2 * 12);  // 2 classes x (4 kmeans + 4 ward + 4 gmm) at least
  EXPECT_NE(read_file(dir_ + "/ranking.csv").find("family,rank,combination,total"),
            std::string::npos);
}

TEST_F(ClusterCli, BadInputExitsWithTwo) {
  const std::string out = " --out '" + dir_ + "/x.json'";
  CliRun r = cli(dir_, io_ + " --pipeline normalisation+bogus+kmeans:2" + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'bogus'"), std::string::npos) << r.err;
  r = cli(dir_, io_ + " --classes 7 --pipeline kmeans:2" + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("class 7"), std::string::npos) << r.err;
  r = cli(dir_, "--images '" + dir_ + "/missing' --labels '" + dir_ + "/missing2'" + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  r = cli(dir_, io_ + " --pipeline kmeans:2 --table '" + dir_ + "/t.csv'" + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--grid"), std::string::npos) << r.err;
  r = cli(dir_, io_ + " --grid giant" + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("thesis"), std::string::npos) << r.err;
  r = cli(dir_, io_ + " --classes 1 --pipeline kmeans:50" + out);  // k > samples
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x.json"));
}

TEST_F(ClusterCli, VaePipelineTrainsOnceAndReusesTheCache) {
  // 28x28 images (the VAE's input size): image_groups blown up by nearest neighbour.
  const torch::Tensor big = torch::upsample_nearest2d(data_.images, {28, 28});
  write_idx(dir_ + "/big-images-idx3-ubyte",
            big.mul(255.0).round().to(torch::kUInt8).reshape({-1, 28, 28}).contiguous());
  const std::string io = "--images '" + dir_ + "/big-images-idx3-ubyte' --labels '" + dir_ +
                         "/train-labels-idx1-ubyte' --num-classes 3 --classes 0,2";
  const std::string cache = dir_ + "/vae-cache";
  const std::string common = io + " --pipeline scale255+vae+kmeans:2 --vae-epochs 2 --cache-dir '" +
                             cache + "' --out '" + dir_;
  CliRun r = cli(dir_, common + "/a.json'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("training"), std::string::npos) << r.err;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // one all-class VAE for both classes
  r = cli(dir_, common + "/b.json'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("reusing"), std::string::npos) << r.err;
  const ClusterFile a = ClusterFile::load(dir_ + "/a.json"),
                    b = ClusterFile::load(dir_ + "/b.json");
  EXPECT_EQ(a.for_class(2).labels, b.for_class(2).labels);
  EXPECT_EQ(a.details["classes"]["0"]["features"], 10);
  r = cli(dir_, io + " --pipeline vae+kmeans:2 --vae-epochs 0 --out '" + dir_ + "/c.json'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--vae-epochs"), std::string::npos) << r.err;
}

}  // namespace
