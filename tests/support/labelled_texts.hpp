#pragma once
// The texts of labelled JSONL files (one object with a "text" field a line), normalized as the
// classifier sees them: for tests that compare two ways of finding things in real messages.

#include <unicode/unistr.h>

#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "routing/classify/text_normalizer.hpp"

namespace ccd::testing {

/// Paths relative to the source tree ("tests/data/classify-dev.jsonl").
inline std::vector<icu::UnicodeString> labelledTexts(std::initializer_list<const char*> paths) {
    routing::TextNormalizer normalizer;
    std::vector<icu::UnicodeString> texts;
    for (const char* path : paths) {
        std::ifstream in(std::string(CCD_SOURCE_DIR) + "/" + path);
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            texts.push_back(
                normalizer.normalize(nlohmann::json::parse(line).at("text").get<std::string>()));
        }
    }
    return texts;
}

}  // namespace ccd::testing
