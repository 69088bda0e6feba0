// A user's GoogleTest suite for a digit classifier, under mutation testing with mutagen.
//
// Run as ordinary tests:     ./mnist_digits_demo            (the tests on the 5 original instances)
// Run the mutation analysis: ./mnist_digits_demo --mutagen_run   (or: mutagen run
// ./mnist_digits_demo)
#include <mutagen/clustering/pipeline.h>
#include <mutagen/mutagen.h>

#include <cstdlib>
#include <filesystem>

namespace {

std::string data_dir() {
  const char* env = std::getenv("MUTAGEN_DIGITS_DIR");
  return env ? env : MNIST_DIGITS_DIR;
}

const std::vector<int64_t> kTargetClasses{0, 5, 7};

}  // namespace

MUTAGEN_SUBJECT(MnistDigits) {
  const std::string cache = "mutagen-cache";
  mutagen::Dataset train = mutagen::load_idx_split(data_dir(), "train", "digits-train");
  mutagen::Dataset test = mutagen::load_idx_split(data_dir(), "t10k", "digits-test");
  // Five instances of the small CNN, trained with seeds 0..4 and cached.
  std::vector<mutagen::Model> instances = mutagen::train_instances(
      "mnist_small", train, mutagen::TrainOptions().epochs(4).learning_rate(1e-3).seed(0), 5,
      cache + "/instances");
  // The "weak" test set: per class, the tenth of the test inputs the originals find easiest. Tests
  // on it look fine but see little of what could go wrong.
  mutagen::Dataset weak = mutagen::easiest_inputs(test, instances, 0.1);

  return mutagen::Subject("MnistDigits")
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
      .mutator("tmr", {{"schedule", "mixed"}, {"epochs", 5}})
      .mutator("tmr", {{"schedule", "sequential"}, {"epochs", 5}})
      // Arachne-style: differential evolution over 80 localised weights of the last hidden layer,
      // no retraining (seconds per mutant); the inputs to keep weigh 4x in the fitness, which keeps
      // the rest of the class and the other classes (bench/arachne_options_sweep.sh). On class 0
      // only to keep the demo short.
      .mutator("arachne-de", {{"layer", "auto"}, {"count", 80}, {"keep_weight", 4.0}, {"seed", 0}},
               {0})
      .heldout_fraction(0.25)
      .cache_dir(cache)
      .seed(0);
}

// Overall accuracy on the test set.
MUTATION_TEST(MnistDigits, Accuracy) {
  const double a = mutagen::accuracy(model(), test_set());
  mutagen::measure("accuracy", a);
  EXPECT_GE(a, 0.90) << "on test set " << test_set_name();
}

// Accuracy on each class the mutants target.
MUTATION_TEST(MnistDigits, ClassAccuracy) {
  for (int64_t c : kTargetClasses) {
    const double a = mutagen::class_accuracy(model(), test_set(), c);
    mutagen::measure("accuracy_class_" + std::to_string(c), a);
    EXPECT_GE(a, 0.85) << "class " << c << " on test set " << test_set_name();
  }
}
