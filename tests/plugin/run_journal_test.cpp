// The run journal: an interrupted run's results are found again, unless the run asks to start
// afresh (--mutagen_no_cache), which discards them.
#include "run_journal.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace mutagen::internal {
namespace {

TEST(RunJournal, ResumesUnlessAskedToStartAfresh) {
  const std::string dir = testing_support::temp_dir("journal");
  {
    RunJournal first(dir, "abc");
    first.record(-1, 0, {{"passed", true}});
    first.record(2, 3, {{"passed", false}});
  }
  const RunJournal resumed(dir, "abc");
  EXPECT_EQ(resumed.resumed(), 2u);
  ASSERT_TRUE(resumed.find(2, 3).has_value());
  EXPECT_EQ((*resumed.find(2, 3))["passed"], false);
  EXPECT_FALSE(RunJournal(dir, "other").find(2, 3).has_value());  // another run's fingerprint

  RunJournal afresh(dir, "abc", /*resume=*/false);
  EXPECT_EQ(afresh.resumed(), 0u);
  EXPECT_FALSE(afresh.find(-1, 0).has_value());
  afresh.record(-1, 1, {{"passed", true}});
  // What it discarded is gone for the next run too; what it recorded stays.
  const RunJournal next(dir, "abc");
  EXPECT_FALSE(next.find(2, 3).has_value());
  EXPECT_TRUE(next.find(-1, 1).has_value());
}

}  // namespace
}  // namespace mutagen::internal
