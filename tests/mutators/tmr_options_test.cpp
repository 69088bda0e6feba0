// TmrOptions JSON: round trip, defaults, and one error per bad field naming it and what was
// expected.
#include <gtest/gtest.h>

#include "mutagen/error.h"
#include "mutagen/mutators/tmr.h"

namespace {

using mutagen::TmrOptions;
using mutagen::TmrSchedule;
using nlohmann::json;

std::string error_of(const json& j) {
  try {
    TmrOptions::from_json(j);
  } catch (const mutagen::Error& e) {
    return e.what();
  }
  return "<no mutagen::Error>";
}

TEST(TmrOptions, DefaultsMatchTheHeader) {
  const json j = TmrOptions().to_json();
  EXPECT_EQ(j, (json{{"schedule", "mixed"},
                     {"epochs", 5},
                     {"pos_epochs", 1},
                     {"learning_rate", 1e-3},
                     {"batch_size", 64},
                     {"optimizer", "adam"},
                     {"relabel_fraction", 1.0},
                     {"other_ratio", 1.0}}));
  EXPECT_EQ(TmrOptions::from_json(json::object()).to_json(), j);
  EXPECT_EQ(TmrOptions::from_json(json()).to_json(), j);
}

TEST(TmrOptions, RoundTrip) {
  TmrOptions o;
  o.schedule(TmrSchedule::kSequential)
      .epochs(2)
      .pos_epochs(0)
      .learning_rate(1e-4)
      .batch_size(32)
      .optimizer("sgd")
      .relabel_fraction(0.3)
      .other_ratio(2.5);
  const json j = o.to_json();
  EXPECT_EQ(j.at("schedule"), "sequential");
  const TmrOptions back = TmrOptions::from_json(j);
  EXPECT_EQ(back.schedule(), TmrSchedule::kSequential);
  EXPECT_EQ(back.epochs(), 2);
  EXPECT_EQ(back.pos_epochs(), 0);
  EXPECT_EQ(back.learning_rate(), 1e-4);
  EXPECT_EQ(back.batch_size(), 32);
  EXPECT_EQ(back.optimizer(), "sgd");
  EXPECT_EQ(back.relabel_fraction(), 0.3);
  EXPECT_EQ(back.other_ratio(), 2.5);
  EXPECT_EQ(back.to_json(), j);
  // Through text too (what the cache and reports store).
  EXPECT_EQ(TmrOptions::from_json(json::parse(j.dump())).to_json(), j);
  // Partial objects keep the other defaults; integral learning rates are numbers too.
  const TmrOptions p = TmrOptions::from_json({{"learning_rate", 1}, {"optimizer", "adadelta"}});
  EXPECT_EQ(p.learning_rate(), 1.0);
  EXPECT_EQ(p.optimizer(), "adadelta");
  EXPECT_EQ(p.epochs(), 5);
}

TEST(TmrOptions, ScheduleNames) {
  EXPECT_EQ(mutagen::to_string(TmrSchedule::kMixed), "mixed");
  EXPECT_EQ(mutagen::to_string(TmrSchedule::kSequential), "sequential");
}

TEST(TmrOptions, UnknownFieldIsNamedWithTheValidOnes) {
  const std::string msg = error_of({{"epoch", 3}});
  EXPECT_NE(msg.find("unknown field 'epoch'"), std::string::npos) << msg;
  for (const char* f : {"schedule", "epochs", "pos_epochs", "learning_rate", "batch_size",
                        "optimizer", "relabel_fraction", "other_ratio"}) {
    EXPECT_NE(msg.find(f), std::string::npos) << f << " missing from: " << msg;
  }
}

TEST(TmrOptions, NotAnObject) {
  EXPECT_NE(error_of(json::array()).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(5).find("expected a JSON object"), std::string::npos);
}

struct BadCase {
  json options;
  std::string field;
  std::string expected;  // part of the message saying what was expected
};

TEST(TmrOptions, BadValuesNameTheFieldAndTheExpectation) {
  const std::vector<BadCase> cases = {
      {{{"epochs", 0}}, "epochs", "an integer >= 1"},
      {{{"epochs", -3}}, "epochs", "an integer >= 1"},
      {{{"epochs", 2.5}}, "epochs", "an integer >= 1"},
      {{{"epochs", "5"}}, "epochs", "an integer >= 1"},
      {{{"epochs", 18446744073709551615ull}}, "epochs", "an integer >= 1"},
      {{{"pos_epochs", -1}}, "pos_epochs", "an integer >= 0"},
      {{{"batch_size", 0}}, "batch_size", "an integer >= 1"},
      {{{"batch_size", true}}, "batch_size", "an integer >= 1"},
      {{{"learning_rate", 0}}, "learning_rate", "a number > 0"},
      {{{"learning_rate", -1e-3}}, "learning_rate", "a number > 0"},
      {{{"learning_rate", "fast"}}, "learning_rate", "a number"},
      {{{"relabel_fraction", -0.1}}, "relabel_fraction", "a number in [0, 1]"},
      {{{"relabel_fraction", 1.5}}, "relabel_fraction", "a number in [0, 1]"},
      {{{"relabel_fraction", nullptr}}, "relabel_fraction", "a number"},
      {{{"other_ratio", -1}}, "other_ratio", "a number >= 0"},
      {{{"optimizer", "rmsprop"}}, "optimizer", "one of adam, adadelta, sgd"},
      {{{"optimizer", 3}}, "optimizer", "one of adam, adadelta, sgd"},
      {{{"schedule", "thesis"}}, "schedule", "\"mixed\" or \"sequential\""},
      {{{"schedule", 1}}, "schedule", "\"mixed\" or \"sequential\""},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.options);
    EXPECT_NE(msg.find("tmr option '" + c.field + "'"), std::string::npos)
        << c.options.dump() << " -> " << msg;
    EXPECT_NE(msg.find("expected " + c.expected), std::string::npos)
        << c.options.dump() << " -> " << msg;
    EXPECT_NE(msg.find("got "), std::string::npos) << msg;
  }
}

TEST(TmrOptions, BoundaryValuesAreAccepted) {
  EXPECT_NO_THROW(TmrOptions::from_json({{"relabel_fraction", 0}, {"other_ratio", 0}}));
  EXPECT_NO_THROW(
      TmrOptions::from_json({{"relabel_fraction", 1}, {"epochs", 1}, {"batch_size", 1}}));
}

}  // namespace
