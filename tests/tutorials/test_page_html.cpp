// tests/tutorials/test_page_html.cpp: the attention page as a file: one
// self-contained HTML document that asks for nothing (no URL in src or href,
// no <script src>, no <link>), every view a section in order, every matrix a
// figure whose caption has its shape and formula and whose cells carry the
// lesson's floats. The trained model here is a fresh, untrained one: the
// page's shape does not depend on training, and training takes seconds.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "core/ag.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/page/page_build.h"

namespace {

const page::PageContent& content() {
  static const page::PageContent c = [] {
    page::PageContent p;
    p.views = page::step_views();
    page::GradientPage g = page::gradient_views();
    p.views.push_back(g.gradients);
    p.views.push_back(g.graph);
    p.graph = g.layout;
    ag::manual_seed(6);
    std::shared_ptr<tut::TinyTransformer> model = tut::make_translator(tut::TranslatorConfig());
    for (const page::View& v : page::trained_views(*model)) p.views.push_back(v);
    p.views.push_back(page::image_view());
    p.input = page::default_input();
    p.provenance = "untrained <test> model";
    return p;
  }();
  return c;
}

const std::string& html() {
  static const std::string h =
      page::render_page(content(), page::read_text_file("tutorials/page/page.css"),
                        page::read_text_file("tutorials/page/attention.js"));
  return h;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_SUITE("tutorials.page") {

TEST_CASE("page html: one file that requests nothing") {
  const std::string& h = html();
  CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(h, "<script src") == 0);
  CHECK(count(h, "<link") == 0);
  CHECK(count(h, "@import") == 0);
  CHECK(count(h, "url(") == count(h, "url(#"));  // only the page's own fragments (the arrow)
  // Every src= and href= stays in the page: a fragment (#...) or a script-made blob/data URL.
  const std::regex attribute(R"(\b(src|href)\s*=\s*["']?([^"'\s>]*))", std::regex::icase);
  int links = 0;
  for (auto it = std::sregex_iterator(h.begin(), h.end(), attribute); it != std::sregex_iterator();
       ++it, ++links) {
    const std::string target = (*it)[2];
    INFO((*it)[0]);
    CHECK(target.find("//") == std::string::npos);
    CHECK((target.empty() || target[0] == '#'));
  }
  CHECK(links > 10);
  CHECK(h.find("http://") == std::string::npos);  // not even in the inline SVG
  CHECK(h.find("https://") == std::string::npos);
  CHECK(h.find("<s>") == std::string::npos);  // the tokens are escaped: &lt;s&gt;
}

TEST_CASE("page html: every view a section, in order, every matrix a captioned figure") {
  const std::string& h = html();
  size_t at = 0;
  int figures = 0;
  for (const page::View& v : content().views) {
    const size_t section = h.find("<section class=\"ag-view\" id=\"v-" + v.id + "\"", at);
    INFO(v.id);
    REQUIRE(section != std::string::npos);
    at = section;
    for (const page::Matrix& m : v.matrices) {
      INFO(m.id);
      const size_t start = h.find("<figure class=\"ag-matrix", at);
      REQUIRE(start != std::string::npos);
      const size_t end = h.find("</figure>", start);
      const std::string figure = h.substr(start, end - start);
      at = end;
      ++figures;
      CHECK(figure.find("id=\"" + m.id + "\" data-rows=\"" + std::to_string(m.num_rows()) +
                        "\" data-cols=\"" + std::to_string(m.num_cols()) + "\"") !=
            std::string::npos);
      const size_t caption = figure.find("<figcaption>");
      const std::string text = figure.substr(caption, figure.find("</figcaption>") - caption);
      CHECK(text.find("<span class=\"shape\">" + m.shape() + "</span>") != std::string::npos);
      CHECK(!m.formula.empty());
      CHECK(text.find("<code>") != std::string::npos);
      CHECK(count(figure, "<td data-value=") == m.num_rows() * m.num_cols());
    }
  }
  const std::string before_scripts = h.substr(0, h.find("<script>"));
  CHECK(figures == count(before_scripts, "<figure class=\"ag-matrix"));
  CHECK(h.find("window.AG_VIEWS = [\"01-embeddings\",\"02-qkv\"") != std::string::npos);
}

TEST_CASE("page html: cells carry the lesson's floats to 9 digits, and −∞ as -inf") {
  const std::string& h = html();
  // 03's masked scores: row Je sees only itself.
  const size_t start = h.find("id=\"m-03-mask-masked\"");
  REQUIRE(start != std::string::npos);
  const std::string figure = h.substr(start, h.find("</figure>", start) - start);
  CHECK(count(figure, "data-value=\"-inf\"") == 3);
  std::smatch first;
  REQUIRE(std::regex_search(figure, first, std::regex("data-value=\"([^\"]+)\"")));
  const float parsed = std::stof(first[1]);
  CHECK(parsed == tut::lesson03_decoder().masked.masked.data()[0]);
}

TEST_CASE("page html: the heads grid opens every head, the graph's nodes name their matrices") {
  const std::string& h = html();
  for (const page::View& v : content().views)
    if (v.id == "heads")
      for (const page::Matrix& m : v.matrices) {
        INFO(m.id);
        CHECK(h.find("href=\"#heads/" + m.name + "\"") != std::string::npos);
        CHECK(m.id == "m-heads-" + m.name);
      }
  CHECK(h.find("href=\"#heads/enc-self-L0-H1\"") != std::string::npos);
  CHECK(h.find("href=\"#heads/dec-self-L0-H0\"") != std::string::npos);
  CHECK(h.find("href=\"#heads/dec-cross-L0-H1\"") != std::string::npos);
  const std::regex node(
      "<g class=\"ag-node[^\"]*\" data-tensor=\"([^\"]*)\" data-grad=\"([^\"]*)\"");
  int nodes = 0, with_grad = 0;
  for (auto it = std::sregex_iterator(h.begin(), h.end(), node); it != std::sregex_iterator();
       ++it, ++nodes) {
    const std::string tensor = (*it)[1], grad = (*it)[2];
    if (!tensor.empty()) CHECK(h.find("id=\"" + tensor + "\"") != std::string::npos);
    if (!grad.empty()) CHECK(h.find("id=\"" + grad + "\"") != std::string::npos);
    with_grad += !grad.empty();
  }
  CHECK(nodes == static_cast<int>(content().graph.nodes.size()));
  CHECK(with_grad == 7);  // W_Q, W_K, W_V, scores, scaled, weights, out
}

}  // TEST_SUITE("tutorials.page")
