#pragma once
// What a YAML file's aliases may cost. yaml-cpp loads an alias (`*name`) as the anchored node
// itself, shared, so loading is cheap; but every reader that walks the tree (the typed readers,
// their copies of strings, their error messages) pays for each alias as if the anchored node
// were written out again. One 1 MiB scalar referenced 4,000 times is a 1.1 MB file that costs
// 4 GB to read. checkAliasBudget() measures that expanded size from the parser's events, before
// the tree is built, and refuses the file at the first alias over the budget.

#include <cstddef>
#include <optional>
#include <string>

namespace ccd::config {

/// Limits on aliases in one YAML document.
struct AliasLimits {
    /// Most aliases a document may use.
    std::size_t max_aliases = 500;
    /// Most bytes all aliases together may add to the document once expanded (each scalar
    /// counts its bytes, each node 16 more); nullopt: the file's own size, at least 1 MiB.
    std::optional<std::size_t> max_added_bytes;
};

/// An alias over the budget, or an alias inside its own anchor (a cycle).
struct AliasProblem {
    int line = 0;    ///< 1-based, of the offending alias
    int column = 0;  ///< 1-based
    std::string path;     ///< YAML path of the alias ("refs[3]")
    std::string message;
};

/// Reads the first document of `text` event by event (no tree) and returns the first alias that
/// breaks `limits`, or nullopt. Throws YAML::Exception on a syntax error, like YAML::Load.
std::optional<AliasProblem> checkAliasBudget(const std::string& text,
                                             const AliasLimits& limits = {});

}  // namespace ccd::config
