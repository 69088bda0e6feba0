#pragma once
// A (class, cluster) target for the `mutagen localise` and `mutagen mutate` tests, built once per
// test process: 240 synthetic 28x28 images of three classes, each class a vertical bar in its own
// columns drawn in the top half (cluster 0) or the bottom half (cluster 1) of the image; the IDX
// files, the cluster file of those two styles, and a briefly trained mnist_small saved as a
// mutagen model. Also runs the CLI.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/io.h"
#include "mutagen/model.h"
#include "mutagen/training.h"
#include "test_support.h"

namespace mutagen::testing_support {

struct CliTarget {
  std::string dir, images, labels, clusters, model;
  Dataset data;
  std::vector<int64_t> style;  // per image: 0 top half, 1 bottom half (its cluster)
  // --model ... --images ... --labels ... --clusters ... (class and cluster left to the test)
  std::string files() const {
    return "--model '" + model + "' --images '" + images + "' --labels '" + labels +
           "' --clusters '" + clusters + "'";
  }
};

inline const CliTarget& cli_target() {
  static const CliTarget target = [] {
    CliTarget t;
    t.dir = temp_dir("cli-target");
    constexpr int64_t kPerStyle = 40;
    auto gen = at::detail::createCPUGenerator(11);
    std::vector<torch::Tensor> images;
    std::vector<int64_t> labels;
    for (int64_t cls = 0; cls < 3; ++cls)
      for (int64_t style = 0; style < 2; ++style)
        for (int64_t i = 0; i < kPerStyle; ++i) {
          torch::Tensor img = 0.1 * at::rand({28, 28}, gen);
          const int64_t top = style == 0 ? 2 : 14, left = 4 + 8 * cls;
          img.slice(0, top, top + 12).slice(1, left, left + 4) +=
              0.7 + 0.2 * at::rand({12, 4}, gen);
          images.push_back(img);
          labels.push_back(cls);
          t.style.push_back(style);
        }
    const torch::Tensor bytes =
        torch::stack(images).mul(255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
    t.images = t.dir + "/train-images-idx3-ubyte";
    t.labels = t.dir + "/train-labels-idx1-ubyte";
    write_idx(t.images, bytes);
    write_idx(t.labels, torch::tensor(labels).to(torch::kUInt8));
    t.data = load_idx_dataset(t.images, t.labels, "train");

    ClusterFile f;
    f.dataset_name = "train";
    f.dataset_size = t.data.size();
    f.pipeline = "style";
    for (int64_t cls = 0; cls < 3; ++cls) {
      ClassClusters cc;
      cc.cls = cls;
      for (int64_t i = 0; i < t.data.size(); ++i)
        if (labels[static_cast<size_t>(i)] == cls) {
          cc.samples.push_back(i);
          cc.labels.push_back(t.style[static_cast<size_t>(i)]);
        }
      f.classes.push_back(cc);
    }
    t.clusters = t.dir + "/clusters.json";
    f.save(t.clusters);

    t.model = t.dir + "/model.pt";
    train_model("mnist_small", t.data, TrainOptions().epochs(3).batch_size(16).seed(0))
        .save(t.model);
    return t;
  }();
  return target;
}

struct CliResult {
  int code = -1;
  std::string out, err;
};

// `mutagen <args>` with stdout and stderr captured.
inline CliResult run_cli(const std::string& args) {
  const std::string dir = temp_dir("cli-run");
  const std::string cmd = std::string("'") + MUTAGEN_CLI + "' " + args + " >'" + dir +
                          "/out.txt' 2>'" + dir + "/err.txt'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(dir + "/out.txt");
  r.err = read_text(dir + "/err.txt");
  return r;
}

// Cases of bad input: `command` (say "mutate --model ...") plus each case's arguments must exit 2
// with every expected part in its message, and leave nothing at `out`.
using CliErrorCases = std::vector<std::pair<std::string, std::vector<std::string>>>;
inline void expect_cli_errors(const std::string& command, const CliErrorCases& cases,
                              const std::string& out) {
  for (const auto& [args, parts] : cases) {
    const CliResult r = run_cli(command + " " + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    for (const auto& p : parts)
      EXPECT_NE(r.err.find(p), std::string::npos) << p << " in: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
}

}  // namespace mutagen::testing_support
