// tutorials/common/html_text.h: text put into attograd's HTML pages (the
// attention page, tutorials/page/, and report.html, report_html.h) and SVG
// drawings, escaped once, here, for both.
#pragma once

#include <string>

namespace html_text {

// &, <, >, " as entities: a word such as <s> or a class name such as
// "T-shirt/top" in an element, an attribute or SVG <text>.
std::string escape(const std::string& text);

// A JSON string literal that is also safe inside <script>: ", \ and control
// characters escaped, and <, >, & written as \u003c ... so that no "</script>"
// or "<!--" in the text can end or change the element.
std::string json_string(const std::string& text);

}  // namespace html_text
