// The mutator registry: built-ins, user registration through the macro, errors and duplicates.
#include "mutagen/mutators/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mutagen/error.h"
#include "mutagen/mutators/tmr.h"

namespace {

using mutagen::Error;
using mutagen::Model;
using mutagen::MutationInputs;
using mutagen::Mutator;
using mutagen::MutatorRegistry;

// A user-defined mutator: scales the weight of the model's last Linear layer by `factor`.
class ScaleLastLayer : public Mutator {
 public:
  explicit ScaleLastLayer(const nlohmann::json& o) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.key() != "factor") throw Error("scale_last_layer: unknown option '" + it.key() + "'");
    }
    factor_ = o.value("factor", 0.5);
  }
  std::string name() const override { return "scale_last_layer"; }
  nlohmann::json options() const override { return {{"factor", factor_}}; }
  bool targeted() const override { return false; }
  Model mutate(const Model& original, const MutationInputs&) const override {
    Model m = original.clone();
    for (int64_t k = m.num_layers() - 1; k >= 0; --k) {
      if (m.layer_kind(k) == "Linear") {
        torch::NoGradGuard ng;
        m.layer_weight(k).mul_(factor_);
        break;
      }
    }
    return m;
  }

 private:
  double factor_ = 0.5;
};

MUTAGEN_REGISTER_MUTATOR(scale_last_layer, "Scales the last Linear layer's weight",
                         [](const nlohmann::json& o) {
                           return std::make_unique<ScaleLastLayer>(o);
                         });

std::unique_ptr<Mutator> make_scale(const nlohmann::json& o) {
  return std::make_unique<ScaleLastLayer>(o);
}
std::unique_ptr<Mutator> make_tmr(const nlohmann::json& o) {
  return std::make_unique<mutagen::TmrMutator>(mutagen::TmrOptions::from_json(o));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no mutagen::Error>";
}

TEST(MutatorRegistry, BuiltinTmrIsRegistered) {
  auto& r = MutatorRegistry::global();
  EXPECT_TRUE(r.contains("tmr"));
  EXPECT_FALSE(r.description("tmr").empty());
  auto m = r.create("tmr");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name(), "tmr");
  EXPECT_TRUE(m->targeted());
  EXPECT_EQ(m->options(), mutagen::TmrOptions().to_json());
  auto m2 = r.create("tmr", {{"epochs", 2}, {"schedule", "sequential"}});
  auto* tmr = dynamic_cast<mutagen::TmrMutator*>(m2.get());
  ASSERT_NE(tmr, nullptr);
  EXPECT_EQ(tmr->tmr_options().epochs(), 2);
  EXPECT_EQ(tmr->tmr_options().schedule(), mutagen::TmrSchedule::kSequential);
}

TEST(MutatorRegistry, NamesAreSortedAndHoldBuiltinAndUserMutators) {
  const auto names = MutatorRegistry::global().names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "tmr"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "scale_last_layer"), names.end());
}

TEST(MutatorRegistry, UnknownNameListsKnownOnes) {
  const std::string msg = error_of([] { MutatorRegistry::global().create("tmrr"); });
  EXPECT_NE(msg.find("unknown mutator 'tmrr'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tmr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scale_last_layer"), std::string::npos) << msg;
  const std::string msg2 = error_of([] { MutatorRegistry::global().description("nope"); });
  EXPECT_NE(msg2.find("nope"), std::string::npos) << msg2;
}

TEST(MutatorRegistry, BadOptionsNameTheField) {
  auto& r = MutatorRegistry::global();
  std::string msg = error_of([&] { r.create("tmr", {{"epochs", 0}}); });
  EXPECT_NE(msg.find("mutator 'tmr'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'epochs'"), std::string::npos) << msg;
  msg = error_of([&] { r.create("tmr", nlohmann::json::array({1, 2})); });
  EXPECT_NE(msg.find("JSON object"), std::string::npos) << msg;
  msg = error_of([&] { r.create("scale_last_layer", {{"factr", 2}}); });
  EXPECT_NE(msg.find("factr"), std::string::npos) << msg;
  // A user factory's non-mutagen exception (here nlohmann's type_error) becomes a mutagen::Error.
  msg = error_of([&] { r.create("scale_last_layer", {{"factor", "big"}}); });
  EXPECT_NE(msg.find("scale_last_layer"), std::string::npos) << msg;
}

TEST(MutatorRegistry, UserMutatorRegisteredByMacroMakesAModel) {
  auto m = MutatorRegistry::global().create("scale_last_layer", {{"factor", 0.25}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name(), "scale_last_layer");
  EXPECT_EQ(MutatorRegistry::global().description("scale_last_layer"),
            "Scales the last Linear layer's weight");
  const Model original = Model::create("mnist_small", 3);
  const std::string fp = original.fingerprint();
  const Model mutant = m->mutate(original, MutationInputs{});
  ASSERT_TRUE(mutant.valid());
  EXPECT_EQ(original.fingerprint(), fp);
  EXPECT_NE(mutant.fingerprint(), fp);
  const torch::Tensor x = torch::ones({2, 1, 28, 28}) * 0.5;
  // The last layer's weight changed, so the logits must too.
  EXPECT_FALSE(torch::allclose(original.logits(x), mutant.logits(x)));
}

TEST(MutatorRegistry, DuplicatesThrowUnlessIdentical) {
  MutatorRegistry r;
  r.add("scale", make_scale, "scales");
  EXPECT_NO_THROW(r.add("scale", make_scale, "scales"));  // identical: no-op
  EXPECT_EQ(r.names().size(), 1u);
  std::string msg = error_of([&] { r.add("scale", make_tmr, "scales"); });
  EXPECT_NE(msg.find("'scale' is already registered"), std::string::npos) << msg;
  msg = error_of([&] { r.add("scale", make_scale, "another description"); });
  EXPECT_NE(msg.find("already registered"), std::string::npos) << msg;
  const auto lambda = [](const nlohmann::json& o) { return make_scale(o); };
  msg = error_of([&] { r.add("scale", lambda, "scales"); });
  EXPECT_NE(msg.find("already registered"), std::string::npos) << msg;
  r.add("lam", lambda, "");
  EXPECT_NO_THROW(r.add("lam", lambda, ""));  // the same lambda type again
  // The global registry refuses a second, different "tmr".
  msg = error_of([] { mutagen::internal::register_mutator("tmr", make_scale, "fake"); });
  EXPECT_NE(msg.find("'tmr' is already registered"), std::string::npos) << msg;
  EXPECT_NE(dynamic_cast<mutagen::TmrMutator*>(MutatorRegistry::global().create("tmr").get()),
            nullptr);
}

TEST(MutatorRegistry, RejectsBadNamesAndEmptyFactories) {
  MutatorRegistry r;
  EXPECT_NE(error_of([&] { r.add("", make_scale); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([&] { r.add("a b", make_scale); }).find("'a b'"), std::string::npos);
  EXPECT_NE(error_of([&] { r.add("x", nullptr); }).find("factory is empty"), std::string::npos);
  EXPECT_TRUE(r.names().empty());
  const std::string msg = error_of([&] { r.create("x"); });
  EXPECT_NE(msg.find("(none)"), std::string::npos) << msg;
}

TEST(MutatorRegistry, ConcurrentAddAndCreate) {
  MutatorRegistry r;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        r.add("m" + std::to_string(t) + "_" + std::to_string(i), make_tmr, "");
        if (r.create("m" + std::to_string(t) + "_" + std::to_string(i))) ++created;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 200);
  EXPECT_EQ(r.names().size(), 200u);
}

}  // namespace

TEST(MutatorRegistry, GroupsExpandToTheirMembersAndAreListedInErrors) {
  MutatorRegistry r;
  r.add("a", make_scale, "scales");
  r.add("b", make_tmr, "retrains");
  r.add_group("both", {"a", "b"}, "a and b");
  EXPECT_TRUE(r.is_group("both"));
  EXPECT_FALSE(r.is_group("a"));
  EXPECT_EQ(r.expand("both"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.expand("a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(r.names(), (std::vector<std::string>{"a", "b"}));  // groups are not mutators
  EXPECT_EQ(r.description("both"), "a and b");
  std::string msg = error_of([&] { r.expand("c"); });
  EXPECT_NE(msg.find("both (group)"), std::string::npos) << msg;
  msg = error_of([&] { r.add_group("bad", {"a", "zzz"}); });
  EXPECT_NE(msg.find("'zzz' is not a registered mutator"), std::string::npos) << msg;
  msg = error_of([&] { r.add_group("a", {"b"}); });
  EXPECT_NE(msg.find("a mutator has that name"), std::string::npos) << msg;
  msg = error_of([&] { r.add_group("empty", {}); });
  EXPECT_NE(msg.find("no members"), std::string::npos) << msg;
}
