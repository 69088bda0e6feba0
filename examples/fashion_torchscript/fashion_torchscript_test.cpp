// A user's GoogleTest suite for a Fashion-MNIST classifier trained and scripted in Python
// (make_instances.py: functional steps in forward, a softmax at the end), under mutation testing.
//
// Make the instances:        /usr/bin/python3 make_instances.py models
// Run as ordinary tests:     ./fashion_torchscript_demo
// Run the mutation analysis: ./fashion_torchscript_demo --mutagen_run
// MUTAGEN_FASHION_MODELS (default ./models) and MUTAGEN_FASHION_DIR (default the Debian package's
// /usr/share/datasets/fashion-mnist) say where the instances and the data are.
#include <mutagen/clustering/pipeline.h>
#include <mutagen/mutagen.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// The first n rows of a data set: a slice keeps the example to about a minute on 2 cores.
mutagen::Dataset first(const mutagen::Dataset& d, int64_t n, const std::string& name) {
  std::vector<int64_t> rows(static_cast<size_t>(std::min(n, d.size())));
  std::iota(rows.begin(), rows.end(), 0);
  return d.subset(rows, name);
}

std::vector<mutagen::Model> load_instances(const std::string& dir) {
  std::vector<mutagen::Model> instances;
  for (int seed = 0; std::filesystem::exists(dir + "/instance-" + std::to_string(seed) + ".pt");
       ++seed)
    instances.push_back(
        mutagen::Model::load_torchscript(dir + "/instance-" + std::to_string(seed) + ".pt"));
  if (instances.empty())
    throw mutagen::Error("no instances in '" + dir +
                         "': expected instance-0.pt, instance-1.pt, ... (run /usr/bin/python3 "
                         "make_instances.py " +
                         dir + ")");
  return instances;
}

// T-shirt/top: the class the mutants target.
const std::vector<int64_t> kTargetClasses{0};

}  // namespace

MUTAGEN_SUBJECT(FashionTorchScript) {
  const std::string data = env_or("MUTAGEN_FASHION_DIR", "/usr/share/datasets/fashion-mnist");
  const std::string cache = "mutagen-cache";
  // The instances were trained on the first 6,000 training images (make_instances.py).
  const mutagen::Dataset train =
      first(mutagen::load_idx_split(data, "train", "fashion-train"), 6000, "fashion-train-6000");
  const mutagen::Dataset test =
      first(mutagen::load_idx_split(data, "t10k", "fashion-test"), 3000, "fashion-test-3000");
  std::vector<mutagen::Model> instances =
      load_instances(env_or("MUTAGEN_FASHION_MODELS", "models"));
  const mutagen::Dataset weak = mutagen::easiest_inputs(test, instances, 0.1);

  return mutagen::Subject("FashionTorchScript")
      .instances(instances)
      .training_data(train)
      .test_set("strong", test)
      .test_set("weak", weak)
      .target_classes(kTargetClasses)
      .clusters([train, cache] {
        const std::string path = cache + "/clusters-pca-kmeans.json";
        if (std::filesystem::exists(path)) return mutagen::ClusterFile::load(path);
        mutagen::ClusterFile f =
            mutagen::cluster_dataset(train, kTargetClasses, "normalisation+pca95+kmeans:auto", 0);
        f.save(path);
        return f;
      })
      // TMR retrains on the softmax's input (the logits), not on the probabilities.
      .mutator("tmr", {{"schedule", "mixed"}, {"epochs", 3}})
      // Arachne-style differential evolution on fc1 ("auto": the last hidden Linear/Conv2d, found
      // through the functional steps). keep_weight trades the cluster against the rest of the
      // class; which value targets best depends on the model and its clusters (`mutagen mutate`
      // tries one setting in seconds; README, "Targeted vs random, measured").
      .mutator("arachne-de", {{"layer", "auto"}, {"count", 80}, {"keep_weight", 3.0}})
      .heldout_fraction(0.25)
      .cache_dir(cache)
      .seed(0);
}

// Overall accuracy on the test set.
MUTATION_TEST(FashionTorchScript, Accuracy) {
  const double a = mutagen::accuracy(model(), test_set());
  mutagen::measure("accuracy", a);
  EXPECT_GE(a, 0.75) << "on test set " << test_set_name();
}

// Accuracy on the targeted class.
MUTATION_TEST(FashionTorchScript, ClassAccuracy) {
  for (int64_t c : kTargetClasses) {
    const double a = mutagen::class_accuracy(model(), test_set(), c);
    mutagen::measure("accuracy_class_" + std::to_string(c), a);
    EXPECT_GE(a, 0.6) << "class " << c << " on test set " << test_set_name();
  }
}
