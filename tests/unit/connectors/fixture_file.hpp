/// @file
/// @brief Reads a recorded upstream payload from tests/fixtures (CARELISTEN_SOURCE_DIR is set by ctest;
/// run directly, the binary falls back to the source tree it was configured from).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace carelisten::testing {

/// A file of the source tree, e.g. "demo/upstreams/rss/health_news.xml".
inline std::string ReadSourceTreeFile(const std::string& relative) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    const std::string root = source_dir != nullptr ? source_dir : CARELISTEN_TEST_SOURCE_DIR;
    std::ifstream in(root + "/" + relative, std::ios::binary);
    if (!in) {
        throw std::runtime_error("missing file " + relative);
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string ReadFixture(const std::string& relative) {
    return ReadSourceTreeFile("tests/fixtures/" + relative);
}

}  // namespace carelisten::testing
