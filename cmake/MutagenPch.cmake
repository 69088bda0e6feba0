# Precompiled headers: libtorch's headers cost ~15 s per translation unit. One target (mutagen_pch)
# precompiles them once; every other target reuses that PCH (REUSE_FROM), which requires identical
# flags: hence one global -fPIC (instead of CMake's -fPIE for executables) and the same warnings.
add_compile_options(-fPIC -Wall -Wextra -Wno-unused-parameter)
if(MUTAGEN_USE_PCH)
  file(WRITE ${CMAKE_BINARY_DIR}/mutagen_pch.cpp "// precompiled-header carrier\n")
  add_library(mutagen_pch OBJECT ${CMAKE_BINARY_DIR}/mutagen_pch.cpp)
  target_link_libraries(mutagen_pch PRIVATE torch nlohmann_json::nlohmann_json GTest::gtest)
  target_compile_features(mutagen_pch PRIVATE cxx_std_17)
  target_precompile_headers(mutagen_pch PRIVATE <torch/torch.h> <nlohmann/json.hpp>
    <gtest/gtest.h> <vector> <string> <memory> <unordered_map>)
endif()

function(mutagen_use_pch target)
  if(MUTAGEN_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM mutagen_pch)
  endif()
endfunction()
