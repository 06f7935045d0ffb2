// tutorials/page/page_build.cpp: the page's views in order, and the file.
#include "tutorials/page/page_build.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "tutorials/common/lesson07.h"

namespace page {

PageContent gather_page() {
  PageContent content;
  std::vector<View> steps = step_views();
  GradientPage gradients = gradient_views();
  // 02's forward views, then its backward and graph, then 03 onwards.
  size_t after_02 = 0;
  while (after_02 < steps.size() && steps[after_02].id.rfind("02-", 0) != 0) ++after_02;
  while (after_02 < steps.size() && steps[after_02].id.rfind("02-", 0) == 0) ++after_02;
  steps.insert(steps.begin() + static_cast<std::ptrdiff_t>(after_02),
               {gradients.gradients, gradients.graph});
  content.views = steps;
  content.graph = gradients.layout;

  std::string how;
  std::shared_ptr<tut::TinyTransformer> model = tut::load_or_train_translator(how);
  for (View& v : trained_views(*model)) content.views.push_back(v);
  content.views.push_back(image_view());
  content.input = default_input();
  content.provenance = "The tiny Transformer's weights: " + how + ".";
  return content;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ag::fail("read_text_file: cannot open ", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string page_script(const std::string& source_dir) {
  return read_text_file(source_dir + "/attention.js") +
         read_text_file(source_dir + "/attention_edit.js");
}

std::string write_page(const PageContent& content, const std::string& source_dir,
                       const std::string& path) {
  const std::string html =
      render_page(content, read_text_file(source_dir + "/page.css"), page_script(source_dir));
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  ag::io::write_file_atomic(path, html);
  return html;
}

}  // namespace page
