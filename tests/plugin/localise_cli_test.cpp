// `mutagen localise` end to end: front.json against the Pareto fronts of every weight's (GL, FI)
// computed here by plain dominance counting, its fields against the model and the data, the SVG
// scatter as a person sees it in Chromium, and the named errors (exit 2, nothing written).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "browser.h"
#include "cli_target.h"

namespace mutagen {
namespace {

namespace fs = std::filesystem;
using testing_support::cli_target;
using testing_support::CliResult;
using testing_support::run_cli;

// Every weight's Pareto front (both costs maximised) by peeling: front k is the set of weights no
// remaining weight dominates. O(n^2) per front: for the small output layer only.
std::vector<int64_t> peeled_fronts(const std::vector<double>& gl, const std::vector<double>& fi) {
  const size_t n = gl.size();
  std::vector<int64_t> front(n, 0);
  size_t left = n;
  for (int64_t k = 1; left > 0; ++k) {
    std::vector<size_t> now;
    for (size_t i = 0; i < n; ++i) {
      if (front[i] != 0) continue;
      bool dominated = false;
      for (size_t j = 0; j < n && !dominated; ++j)
        dominated =
            front[j] == 0 && gl[j] >= gl[i] && fi[j] >= fi[i] && (gl[j] > gl[i] || fi[j] > fi[i]);
      if (!dominated) now.push_back(i);
    }
    for (const size_t i : now) front[i] = k;
    left -= now.size();
  }
  return front;
}

class LocaliseCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
    dir_ = testing_support::temp_dir("localise");
  }
  CliResult localise(const std::string& args) {
    return run_cli("localise " + cli_target().files() + " " + args);
  }
  std::string dir_;
};

TEST_F(LocaliseCli, FrontsAreTheParetoFrontsOfAllWeights) {
  const std::string out = dir_ + "/front.json";
  const CliResult r = localise("--class 1 --cluster 0 --layer 8 --all --out '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = read_json(out);
  EXPECT_EQ(j["layer"], 8);
  EXPECT_EQ(j["kind"], "Linear");
  EXPECT_EQ(j["shape"], nlohmann::json::array({10, 64}));  // mnist_small's fc(64 -> 10)
  EXPECT_EQ(j["class"], 1);
  EXPECT_EQ(j["cluster"], 0);
  // I_neg: the cluster's members the model classifies right; I_pos: the rest of the class.
  const auto& t = cli_target();
  const torch::Tensor right = Model::load(t.model).predict(t.data.images).eq(t.data.labels);
  int64_t neg = 0, pos = 0;
  for (int64_t i = 0; i < t.data.size(); ++i) {
    if (t.data.labels[i].item<int64_t>() != 1 || !right[i].item<bool>()) continue;
    (t.style[static_cast<size_t>(i)] == 0 ? neg : pos) += 1;
  }
  EXPECT_EQ(j["i_neg"], neg);
  EXPECT_EQ(j["i_pos"], pos);
  EXPECT_GT(neg, 30);  // the fixture model learnt the bars

  const nlohmann::json& all = j["weights"];
  ASSERT_EQ(all.size(), 640u);
  std::vector<double> gl, fi;
  for (size_t i = 0; i < all.size(); ++i) {
    // Row-major indices, in order.
    EXPECT_EQ(all[i]["index"], nlohmann::json::array({i / 64, i % 64}));
    gl.push_back(all[i]["gl"]);
    fi.push_back(all[i]["fi"]);
    EXPECT_GE(gl.back(), 0.0);
    EXPECT_GE(fi.back(), 0.0);
  }
  const std::vector<int64_t> fronts = peeled_fronts(gl, fi);
  std::set<size_t> first;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["front"], fronts[i]) << "weight " << i;
    if (fronts[i] == 1) first.insert(i);
  }
  EXPECT_GT(*std::max_element(fronts.begin(), fronts.end()), 3);
  // Without --count the front is exactly the first Pareto front, listed as in `weights`.
  std::set<size_t> listed;
  for (const auto& w : j["front"]) {
    const size_t flat = w["index"][0].get<size_t>() * 64 + w["index"][1].get<size_t>();
    listed.insert(flat);
    EXPECT_EQ(w, all[flat]);
  }
  EXPECT_EQ(listed, first);
}

TEST_F(LocaliseCli, CountTakesFurtherFrontsInOrder) {
  const std::string out = dir_ + "/front.json";
  const CliResult r =
      localise("--class 0 --cluster 1 --layer 8 --count 50 --all --out '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = read_json(out);
  ASSERT_EQ(j["front"].size(), 50u);
  // Whole fronts first: every weight of a front before the last one taken is listed.
  int64_t last = 0;
  std::set<std::string> listed;
  for (const auto& w : j["front"]) {
    EXPECT_GE(w["front"].get<int64_t>(), last);  // ordered by front
    last = w["front"];
    listed.insert(w["index"].dump());
  }
  EXPECT_GT(last, 1);
  for (const auto& w : j["weights"])
    if (w["front"].get<int64_t>() < last) {
      EXPECT_TRUE(listed.count(w["index"].dump())) << w;
    }
  // The stdout summary agrees.
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["front"], 50);
  EXPECT_EQ(summary["weights"], 640);
}

// The plot of the 64 x 4608 hidden layer ("auto"): a density grid for the other weights, each
// localised weight a circle inside the axes with its tooltip; read in Chromium.
TEST_F(LocaliseCli, PlotOfALargeLayerInChromium) {
  std::string why;
  if (testing_support::skip_without_chromium(&why)) GTEST_SKIP() << why;
  const std::string out = dir_ + "/front.json", svg = dir_ + "/front.svg";
  const CliResult r =
      localise("--class 2 --cluster 1 --layer auto --out '" + out + "' --svg '" + svg + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = read_json(out);
  EXPECT_EQ(j["layer"], 6);
  const size_t front = j["front"].size();
  const std::string content = read_file(svg);
  EXPECT_LT(content.size(), 3u << 20) << "294,912 weights must not become 294,912 circles";
  const auto c = testing_support::open_in_chromium(
      "localise-plot-large", content,
      "(() => { const box = document.querySelector('svg > rect[stroke]').getBBox(); "
      "const inside = (e) => { const x = +e.getAttribute('cx'), y = +e.getAttribute('cy'); "
      "return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height; }; "
      "const dots = [...document.querySelectorAll('#front circle')]; "
      "return { front: dots.length, inside: dots.filter(inside).length, "
      "tooltips: dots.filter((d) => /^weight \\[\\d+, \\d+\\]: GL /.test(d.textContent)).length, "
      "cells: document.querySelectorAll('#density rect').length, "
      "legend_right: (() => { const b = document.getElementById('legend').getBBox(); "
      "return b.x + b.width; })(), width: document.querySelector('svg').width.baseVal.value, "
      "dots: document.querySelectorAll('#weights circle').length }; })()",
      "svg");
  EXPECT_EQ(c.result["errors"], nlohmann::json::array()) << c.result["errors"].dump(1);
  EXPECT_EQ(c.result["requests"], nlohmann::json::array());
  const nlohmann::json& e = c.result["eval"];
  EXPECT_EQ(e["front"], front);
  EXPECT_EQ(e["tooltips"], front);
  EXPECT_EQ(e["dots"], 0);
  EXPECT_GT(e["cells"].get<int>(), 50);
  EXPECT_LE(e["legend_right"].get<double>(), e["width"].get<double>());  // no text cut off
  const std::string text = c.result["text"];
  for (const std::string& needle : std::vector<std::string>{
           "Layer 6 '6' (Linear 64x4608), class 2, cluster 1", "I_neg " + j["i_neg"].dump(),
           "first Pareto front: " + std::to_string(front), "294,912 weights in all", "GL cost",
           "FI cost"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << " in: " << text.substr(0, 600);
  // The costs are positive here, so all localised weights sit inside the axes.
  EXPECT_EQ(e["inside"], front);
  testing_support::expect_png(c.screenshot);
}

// A convolution's 4,608 weights are each drawn: every weight is a circle, once.
TEST_F(LocaliseCli, PlotOfAConvolutionDrawsEveryWeight) {
  std::string why;
  if (testing_support::skip_without_chromium(&why)) GTEST_SKIP() << why;
  const std::string out = dir_ + "/front.json", svg = dir_ + "/front.svg";
  const CliResult r = localise("--class 0 --cluster 0 --layer 2 --count 20 --out '" + out +
                               "' --svg '" + svg + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = read_json(out);
  EXPECT_EQ(j["kind"], "Conv2d");
  EXPECT_EQ(j["shape"], nlohmann::json::array({32, 16, 3, 3}));
  int64_t first = 0;
  for (const auto& w : j["front"]) first += w["front"] == 1 ? 1 : 0;
  const auto c =
      testing_support::open_in_chromium("localise-plot-conv", read_file(svg),
                                        "[...['#weights', '#front', '#further-fronts']].map((g) => "
                                        "document.querySelectorAll(g + ' circle').length)",
                                        "svg");
  EXPECT_EQ(c.result["errors"], nlohmann::json::array()) << c.result["errors"].dump(1);
  EXPECT_EQ(c.result["eval"], nlohmann::json::array({4608 - 20, first, 20 - first}));
  const std::string text = c.result["text"];
  EXPECT_NE(text.find("further fronts taken: " + std::to_string(20 - first)), std::string::npos)
      << text.substr(0, 600);
  testing_support::expect_png(c.screenshot);
}

TEST_F(LocaliseCli, BadInputIsANamedErrorAndWritesNothing) {
  const std::string out = dir_ + "/front.json";
  testing_support::expect_cli_errors(
      "localise " + cli_target().files() + " --out '" + out + "'",
      {
          {"--class 0 --cluster 0 --layer 1", {"layer '1'", "ReLU", "Linear or Conv2d"}},
          {"--class 0 --cluster 0 --layer 99", {"layer 99 out of range", "[0, 9)"}},
          {"--class 0 --cluster 0 --layer fc", {"layer 'fc' not found"}},
          {"--class 4 --cluster 0", {"--class 4", "no sample", "has this label"}},
          {"--class 0 --cluster 5", {"--cluster 5", "clusters {0, 1}"}},
          {"--class 0 --cluster 0 --count -3", {"--count -3", ">= 0"}},
      },
      out);
}

}  // namespace
}  // namespace mutagen
