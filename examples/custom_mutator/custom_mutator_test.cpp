// A user-defined mutator, registered by name like the built-in ones, used next to TMR on a tiny subject.
#include <mutagen/clustering/pipeline.h>
#include <mutagen/mutagen.h>
#include <mutagen/random.h>

#include <cstdlib>
#include <filesystem>

namespace {

// Adds Gaussian noise N(0, sigma) to the weights of the model's last layer that has any. Untargeted:
// the same mutant for every cluster, so mutagen makes it once per instance.
class LastLayerNoise : public mutagen::Mutator {
 public:
  explicit LastLayerNoise(double sigma) : sigma_(sigma) {}
  std::string name() const override { return "last_layer_noise"; }
  nlohmann::json options() const override { return {{"sigma", sigma_}}; }
  bool targeted() const override { return false; }
  mutagen::Model mutate(const mutagen::Model& original,
                        const mutagen::MutationInputs& inputs) const override {
    mutagen::Model mutant = original.clone();
    for (int64_t k = mutant.num_layers() - 1; k >= 0; --k) {
      torch::Tensor w = mutant.layer_weight(k);
      if (!w.defined()) continue;
      mutagen::Rng rng(inputs.seed);
      torch::NoGradGuard no_grad;
      auto flat = w.view(-1);
      for (int64_t i = 0; i < flat.numel(); ++i) flat[i] += sigma_ * rng.normal();
      break;
    }
    return mutant;
  }

 private:
  double sigma_;
};

MUTAGEN_REGISTER_MUTATOR(last_layer_noise, "Gaussian noise on the last layer's weights",
                         [](const nlohmann::json& o) {
                           return std::make_unique<LastLayerNoise>(o.value("sigma", 1.0));
                         });

std::string data_dir() {
  const char* env = std::getenv("MUTAGEN_DIGITS_DIR");
  return env ? env : MNIST_DIGITS_DIR;
}

// Every 4th training digit: 2,000 samples keep this example quick.
mutagen::Dataset every_fourth(const mutagen::Dataset& d) {
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < d.size(); i += 4) idx.push_back(i);
  return d.subset(idx, d.name + "/4");
}

}  // namespace

MUTAGEN_SUBJECT(TinyDigits) {
  mutagen::Dataset train = every_fourth(mutagen::load_idx_split(data_dir(), "train", "digits-train"));
  mutagen::Dataset test = mutagen::load_idx_split(data_dir(), "t10k", "digits-test");
  // A weak test set: a tenth of the test digits and no sevens. It cannot notice what the TMR mutants
  // break (sevens of one cluster), so its mutation score is lower: what a score is for.
  std::vector<int64_t> weak;
  for (int64_t i = 0; i < test.size(); i += 10)
    if (test.labels[i].item<int64_t>() != 7) weak.push_back(i);
  return mutagen::Subject("TinyDigits")
      .instances(mutagen::train_instances("mnist_small", train,
                                          mutagen::TrainOptions().epochs(2).seed(10), 5,
                                          "mutagen-cache/instances"))
      .training_data(train)
      .test_set("test", test)
      .test_set("weak", test.subset(weak, "weak"))
      .gate_test_sets({"test"})  // the weak set is there to compare against: reported, not gated
      .target_classes({7})
      .clusters(mutagen::cluster_dataset(train, {7}, "normalisation+pca:10+kmeans:2", 0))
      .mutator("tmr", {{"epochs", 3}})
      .mutator("last_layer_noise", {{"sigma", 0.5}})
      .cache_dir("mutagen-cache");
}

MUTATION_TEST(TinyDigits, Accuracy) {
  const double a = mutagen::accuracy(model(), test_set());
  mutagen::measure("accuracy", a);
  EXPECT_GE(a, 0.8);
}

MUTATION_TEST(TinyDigits, SevensAreRecognised) {
  // The weak set holds no sevens: this test has nothing to check there (and so cannot kill there).
  if ((test_set().labels == 7).sum().item<int64_t>() == 0) return;
  const double a = mutagen::class_accuracy(model(), test_set(), 7);
  mutagen::measure("accuracy_class_7", a);
  EXPECT_GE(a, 0.75);  // 2 epochs on 2,000 digits: sevens are the weakest class here
}
