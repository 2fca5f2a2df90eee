#pragma once
// A JSON text written straight into a string, for the documents ccd writes on every message
// (the conversation's routing snapshot): building an nlohmann::json tree and dumping it cost
// 8 % of the store writer's thread for a new conversation (docs/performance.md).
//
// The text is the one nlohmann::json::dump() writes for the same values with keys in the same
// order (dump() sorts them: write them sorted to get the same bytes): no spaces, strings with
// ", \ and control characters escaped, other characters as they are, and invalid UTF-8
// replaced by U+FFFD (error_handler_t::replace). The caller writes keys and values in turn;
// commas are the writer's.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::daemon {

class JsonWriter {
  public:
    /// `expected`: the bytes the text is likely to need, reserved at once.
    explicit JsonWriter(std::size_t expected = 256) { out_.reserve(expected); }
    JsonWriter& beginObject() { return open('{'); }
    JsonWriter& endObject() { return close('}'); }
    JsonWriter& beginArray() { return open('['); }
    JsonWriter& endArray() { return close(']'); }
    /// An object's key; the next call writes its value.
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(bool flag);
    /// A number as nlohmann writes a double (shortest round trip, "1.0" for a whole one).
    JsonWriter& value(double number);
    JsonWriter& value(const std::vector<std::string>& texts);
    JsonWriter& null();

    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    JsonWriter& open(char c);
    JsonWriter& close(char c);
    void separate();
    std::string out_;
    bool first_ = true;      // no value yet at this level: no comma before the next
    bool after_key_ = false;  // a key was written: its value takes no comma
};

}  // namespace ccd::daemon
