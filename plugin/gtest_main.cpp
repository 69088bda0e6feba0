// main() for test binaries that use mutagen (link Mutagen::gtest_main). Without flags it is a plain
// GoogleTest run on the original instances; with --mutagen_run it runs the mutation analysis.
#include <gtest/gtest.h>

#include "mutagen/mutation_test.h"

int main(int argc, char** argv) {
  const bool mutation_run = mutagen::InitMutagen(&argc, argv);
  testing::InitGoogleTest(&argc, argv);
  if (mutation_run) return mutagen::RunMutationAnalysis();
  return RUN_ALL_TESTS();
}
