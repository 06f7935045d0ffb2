// tutorials/page/make_page.cpp: `make page` runs this program. It writes
// build/page/attention.html (or the path given) and prints its path.
//
//   build/make_page [OUTPUT.html]    run from the repository's root: it reads
//                                    tutorials/page/page.css, attention.js and attention_edit.js
#include <iostream>

#include "core/error.h"
#include "tutorials/page/page_build.h"

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "build/page/attention.html";
  try {
    const page::PageContent content = page::gather_page();
    const std::string html = page::write_page(content, "tutorials/page", path);
    std::cout << "wrote " << html.size() / 1024 << " KB: " << path << "\n";
  } catch (const ag::Error& e) {
    std::cerr << "make_page: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
