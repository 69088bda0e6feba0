# mutagen_add_tests(<target> [MIN_SCORE <0..1>] [THRESHOLDS <high> <low> [<break>]] [NAME <name>] [REPORT <file>] [TIMEOUT <s>]
#                   [EXTRA_ARGS <args...>] [DISCOVERY_TIMEOUT <s>])
#
# Registers the plain GoogleTest tests of <target> with ctest (gtest_discover_tests: each test runs on the
# original instances, in its own process) and ONE extra ctest test, <name> (default
# <target>.mutation), that runs the whole mutation analysis from a single entry point:
#   <target> --mutagen_run --mutagen_min_score=<x> [--mutagen_report=<file>]
# It fails (exit 1) when a test set's mutation score is below MIN_SCORE, and on errors (exit 2).
# THRESHOLDS are Stryker's score bands (reports colour scores >= high green, >= low yellow); a third
# value is the break threshold, the same gate as MIN_SCORE.
include_guard(GLOBAL)
include(GoogleTest)

function(mutagen_add_tests target)
  cmake_parse_arguments(MAT "" "MIN_SCORE;NAME;REPORT;TIMEOUT;DISCOVERY_TIMEOUT" "EXTRA_ARGS;THRESHOLDS" ${ARGN})
  if(NOT TARGET ${target})
    message(FATAL_ERROR "mutagen_add_tests: '${target}' is not a target")
  endif()
  if(DEFINED MAT_MIN_SCORE AND NOT MAT_MIN_SCORE MATCHES "^(0(\\.[0-9]+)?|1(\\.0+)?)$")
    message(FATAL_ERROR "mutagen_add_tests(${target}): MIN_SCORE must be a number in [0, 1], got '${MAT_MIN_SCORE}'")
  endif()
  if(DEFINED MAT_THRESHOLDS)
    list(LENGTH MAT_THRESHOLDS n)
    foreach(t IN LISTS MAT_THRESHOLDS)
      if(NOT t MATCHES "^(0(\\.[0-9]+)?|1(\\.0+)?)$")
        set(n 0)
      endif()
    endforeach()
    if(NOT (n EQUAL 2 OR n EQUAL 3))
      message(FATAL_ERROR "mutagen_add_tests(${target}): THRESHOLDS expects <high> <low> [<break>], numbers in [0, 1], got '${MAT_THRESHOLDS}'")
    endif()
    list(JOIN MAT_THRESHOLDS "," thresholds_flag)
  endif()
  if(NOT MAT_NAME)
    set(MAT_NAME ${target}.mutation)
  endif()
  if(NOT MAT_DISCOVERY_TIMEOUT)
    set(MAT_DISCOVERY_TIMEOUT 60)
  endif()
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT ${MAT_DISCOVERY_TIMEOUT})
  # Without MIN_SCORE the subject's own min_score() applies (a default here would override it).
  set(args --mutagen_run)
  if(DEFINED MAT_MIN_SCORE)
    list(APPEND args --mutagen_min_score=${MAT_MIN_SCORE})
  endif()
  if(DEFINED thresholds_flag)
    list(APPEND args --mutagen_thresholds=${thresholds_flag})
  endif()
  if(MAT_REPORT)
    list(APPEND args --mutagen_report=${MAT_REPORT})
  endif()
  add_test(NAME ${MAT_NAME} COMMAND ${target} ${args} ${MAT_EXTRA_ARGS})
  set_tests_properties(${MAT_NAME} PROPERTIES LABELS mutation)
  if(MAT_TIMEOUT)
    set_tests_properties(${MAT_NAME} PROPERTIES TIMEOUT ${MAT_TIMEOUT})
  endif()
endfunction()
