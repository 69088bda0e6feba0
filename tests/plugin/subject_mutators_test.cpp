// Subject::mutator: group names and `instances` K (K seeded mutants of one operator per original).
#include <gtest/gtest.h>

#include "mutagen/error.h"
#include "mutagen/mutators/mutator.h"
#include "mutagen/subject.h"

namespace {

using mutagen::Subject;

TEST(SubjectMutators, InstancesAddsOneMutatorPerSeed) {
  Subject s("S");
  s.mutator("gf", {{"instances", 3}, {"ratio", 0.05}});
  ASSERT_EQ(s.mutators().size(), 3u);
  for (int64_t k = 0; k < 3; ++k) {
    const nlohmann::json o = s.mutators()[static_cast<size_t>(k)]->options();
    EXPECT_EQ(o["seed"], k);
    EXPECT_EQ(o["instances"], 1);  // raising K keeps the first mutants' options and cache entries
    EXPECT_EQ(o["ratio"], 0.05);
  }
}

TEST(SubjectMutators, InstancesStartAtTheGivenSeedAndExpandGroups) {
  Subject s("S");
  s.mutator("deepmutation", {{"instances", 2}, {"seed", 10}});
  ASSERT_EQ(s.mutators().size(), 16u);
  EXPECT_EQ(s.mutators()[0]->name(), "gf");
  EXPECT_EQ(s.mutators()[0]->options()["seed"], 10);
  EXPECT_EQ(s.mutators()[1]->options()["seed"], 11);
  EXPECT_EQ(s.mutators()[15]->name(), "afrm");
  for (const auto& m : s.mutators()) EXPECT_FALSE(m->targeted());
}

TEST(SubjectMutators, OnlyClassesRestrictEveryMemberOfAGroup) {
  Subject s("S");
  s.target_classes({0, 5, 7});
  s.mutator("tmr");
  s.mutator("arachne", {{"seed", 1}}, {5});
  ASSERT_EQ(s.mutators().size(), 3u);
  for (int64_t c : {0, 5, 7}) EXPECT_TRUE(s.mutator_targets(0, c));
  for (size_t i : {1u, 2u}) {
    EXPECT_FALSE(s.mutator_targets(i, 0));
    EXPECT_TRUE(s.mutator_targets(i, 5));
    EXPECT_FALSE(s.mutator_targets(i, 7));
  }
}

TEST(SubjectMutators, BadInstancesAreNamedErrors) {
  EXPECT_THROW(Subject("S").mutator("gf", {{"instances", 0}}), mutagen::Error);
  EXPECT_THROW(Subject("S").mutator("gf", {{"instances", "three"}}), mutagen::Error);
  // TMR has no seed of its own: the option is refused rather than silently ignored.
  EXPECT_THROW(Subject("S").mutator("tmr", {{"instances", 2}}), mutagen::Error);
}

}  // namespace
