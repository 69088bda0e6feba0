#pragma once
// Everything a user of mutagen needs: declare a subject, write MUTATION_TESTs, link Mutagen::gtest_main.
#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/model.h"
#include "mutagen/runtime.h"
#include "mutagen/mutation_test.h"
#include "mutagen/stats.h"
#include "mutagen/subject.h"
#include "mutagen/training.h"
#include "mutagen/mutators/mutator.h"
#include "mutagen/mutators/registry.h"
#include "mutagen/mutators/tmr.h"
