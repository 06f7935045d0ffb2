// tutorials/page/page_build.h: everything `make page` puts on the page, in
// page order, and the file itself.
#pragma once

#include <string>

#include "tutorials/page/html_page.h"

namespace page {

// Gathers every view from the lessons. The trained Transformer comes from
// tutorial 06's saved weights when they load, else it is trained now (about
// 10 s, tut::load_or_train_translator); `provenance` says which.
PageContent gather_page();

// The page's JavaScript: attention.js (views, figures, downloads) then
// attention_edit.js (the image's pixels, recompute and the editor).
std::string page_script(const std::string& source_dir);

// Reads page.css and the scripts from `source_dir` (tutorials/page), renders
// the page and writes it atomically to `path`. Returns the HTML.
std::string write_page(const PageContent& content, const std::string& source_dir,
                       const std::string& path);

// A whole text file; ag::Error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace page
