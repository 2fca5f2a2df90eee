#pragma once
// The bytes of a trained classifier's models (Classifier::serializeModel): what each model
// learned from the corpus, written as the process holds it (native byte order, doubles and
// floats bit for bit), so that a classifier restored from them classifies exactly as the one
// trained. The store that keeps the bytes between processes records the byte order and the
// type sizes in its own header and refuses bytes from another kind of machine.
//
// Pure: a writer appends to a string, a reader walks a string_view. Every read is checked
// against the bytes left: malformed bytes throw std::invalid_argument, never read past the end.

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ccd::routing {

/// The version of the layout of Classifier::serializeModel()'s bytes: restore() takes only its
/// own. (The key a model is kept under holds the digest of the code besides, so a model is never
/// offered to other code; the version guards bytes handed over by other means.)
inline constexpr std::uint64_t kClassifierModelFormat = 1;

/// Appends values to a byte string.
class ModelWriter {
  public:
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void f64(double v) { raw(&v, sizeof v); }
    void flag(bool v) { u64(v ? 1 : 0); }
    void str(std::string_view s) {
        u64(s.size());
        out_.append(s);
    }
    void strings(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v) str(s);
    }
    /// A vector of a trivially copyable type: its length, then its elements' bytes.
    template <class T>
    void array(const std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        u64(v.size());
        raw(v.data(), v.size() * sizeof(T));
    }

    const std::string& bytes() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
    std::string out_;
};

/// Reads what a ModelWriter wrote, in the same order.
class ModelReader {
  public:
    explicit ModelReader(std::string_view bytes) : in_(bytes) {}

    std::uint64_t u64() {
        std::uint64_t v = 0;
        raw(&v, sizeof v);
        return v;
    }
    double f64() {
        double v = 0;
        raw(&v, sizeof v);
        return v;
    }
    bool flag() {
        const std::uint64_t v = u64();
        if (v > 1) fail("a flag is neither 0 nor 1");
        return v == 1;
    }
    /// A count of at most `max` items, each at least `item_size` bytes long in what is left.
    std::size_t count(std::size_t item_size, std::size_t max = SIZE_MAX) {
        const std::uint64_t n = u64();
        if (n > max || (item_size > 0 && n > in_.size() / item_size)) fail("a count out of range");
        return static_cast<std::size_t>(n);
    }
    std::string str() {
        const std::size_t n = count(1);
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }
    std::vector<std::string> strings() {
        std::vector<std::string> out(count(sizeof(std::uint64_t)));
        for (auto& s : out) s = str();
        return out;
    }
    template <class T>
    std::vector<T> array() {
        static_assert(std::is_trivially_copyable_v<T>);
        std::vector<T> v(count(sizeof(T)));
        raw(v.data(), v.size() * sizeof(T));
        return v;
    }
    /// Throws unless every byte was read.
    void expectEnd() const {
        if (!in_.empty()) fail("bytes left over after the last model");
    }
    /// Throws std::invalid_argument("classifier model: <what>").
    [[noreturn]] static void fail(const std::string& what) {
        throw std::invalid_argument("classifier model: " + what);
    }

  private:
    void raw(void* p, std::size_t n) {
        if (n > in_.size()) fail("truncated");
        if (n > 0) std::memcpy(p, in_.data(), n);
        in_.remove_prefix(n);
    }
    std::string_view in_;
};

}  // namespace ccd::routing
