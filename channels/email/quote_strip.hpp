#pragma once
// What the customer wrote this time: a reply's text without the quoted history and signature,
// for classification (the whole text is still stored).

#include <string>
#include <string_view>

namespace ccd::channels::email {

/// Removes from UTF-8 `text`: lines quoted with '>', and everything from the first line that
/// starts quoted history or a signature — "On … wrote:" (also split over two lines), Outlook's
/// "-----Original Message-----" and "From: … Sent:/Date: …" blocks (English and Chinese
/// labels), "------------------ 原始邮件 ------------------", "在 … 写道：", a "-- "
/// delimiter and the common "Sent from my …" / "发自我的…" lines. Trailing blank lines go too.
std::string stripQuotedHistory(std::string_view text);

}  // namespace ccd::channels::email
