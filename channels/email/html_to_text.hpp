#pragma once
// HTML bodies to readable plain text, for mail that has no text/plain alternative.

#include <string>
#include <string_view>

namespace ccd::channels::email {

/// Converts UTF-8 HTML to text: block elements and <br> become line breaks, paragraphs are
/// separated by a blank line, list items start with "- ", links read "text (url)", entities are
/// decoded, <script>, <style>, <head> and comments are dropped, white space is collapsed
/// (except in <pre>) and <blockquote> lines are prefixed with "> " so that quoted history can
/// be recognised later. Tolerates any input; output is valid UTF-8 when the input is.
std::string htmlToText(std::string_view html);

/// Decodes one character reference's name or number ("amp", "#20320", "#x4F60") to UTF-8;
/// empty when unknown.
std::string decodeHtmlEntity(std::string_view name);

}  // namespace ccd::channels::email
