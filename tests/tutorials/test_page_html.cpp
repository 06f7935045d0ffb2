// tests/tutorials/test_page_html.cpp: the attention page as a file: one
// self-contained HTML document that asks for nothing (no URL in src or href,
// no <script src>, no <link>), every view a section in order, every matrix a
// figure whose caption has its shape and formula and whose cells carry the
// lesson's floats. The trained model here is a fresh, untrained one: the
// page's shape does not depend on training, and training takes seconds.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

#include "core/ag.h"
#include "tests/helpers/platform.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/lesson07.h"
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
                        page::page_script("tutorials/page"));
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

TEST_CASE("page html: a cell's colour is viridis of its place in the range, its text readable") {
  page::Matrix m;
  m.id = "m-test-cells";
  m.name = "cells";
  m.formula = "by hand";
  m.rows = {"r"};
  m.cols = {"low", "high", "masked", "middle"};
  m.values = {-2.0f, 6.0f, -INFINITY, 2.0f};
  const std::string figure = page::figure_html(m);
  // -2 is the bottom of the range: dark purple, white text; 6 the top: yellow, black text.
  CHECK(
      figure.find("<td data-value=\"-2\" style=\"background:#440154\" class=\"w\">-2.0000</td>") !=
      std::string::npos);
  CHECK(figure.find("<td data-value=\"6\" style=\"background:#fde725\">6.0000</td>") !=
        std::string::npos);
  CHECK(figure.find("<td data-value=\"-inf\" style=\"background:#bbbbbb\">−∞</td>") !=
        std::string::npos);
  // 2 is halfway: viridis(0.5), the middle stop, with black text (contrast 5.6 against 3.8).
  CHECK(figure.find("<td data-value=\"2\" style=\"background:#21918c\">2.0000</td>") !=
        std::string::npos);
  CHECK(figure.find("<div class=\"ag-legend\">-2.0000 <span class=\"bar\"></span> 6.0000</div>") !=
        std::string::npos);
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

TEST_SUITE("tutorials.page") {

TEST_CASE("page data: the decoding and the heads are the model's own (07's tensors, loops)") {
  ag::manual_seed(6);
  std::shared_ptr<tut::TinyTransformer> model = tut::make_translator(tut::TranslatorConfig());
  const std::vector<page::View> views = page::trained_views(*model);
  const tut::DecodingLesson L = tut::lesson07_decode(*model);
  auto find = [&](const std::string& id) -> const page::Matrix& {
    for (const page::View& v : views)
      for (const page::Matrix& m : v.matrices)
        if (m.id == id) return m;
    FAIL("no matrix " << id);
    throw;
  };
  // Step 0's top-5: the greedy step's own ids and probabilities, most probable first.
  const page::Matrix& top = find("m-07-decode-step0");
  const tut::GreedyStep& step = L.greedy.steps[0];
  REQUIRE(top.num_cols() == 5);
  for (int64_t k = 0; k < 5; ++k) {
    CHECK(top.cols[k] == L.french.tokens[static_cast<size_t>(step.top[k])]);
    CHECK(top.values[k] == step.probs.data()[step.top[k]]);
  }
  // Cross-attention heads: 07's cross_heads, bit for bit.
  const page::Matrix& cross = find("m-heads-dec-cross-L0-H1");
  const ag::Tensor expected = ag::select(L.cross_heads[0], 0, 1);
  REQUIRE(static_cast<int64_t>(cross.values.size()) == expected.numel());
  for (int64_t k = 0; k < expected.numel(); ++k) CHECK(cross.values[k] == expected.data()[k]);
  // Encoder self-attention head 1, recomputed with loops from the parameters:
  // x = embedding + position, q = x W_qᵀ + b_q, k likewise, softmax(q_h k_hᵀ / √d_h).
  tut::EncoderLayer& layer = *model->encoder->layers[0];
  const ag::Tensor& W = layer.self_attn->in_proj_weight;  // (3E, E): q, k, v rows
  const ag::Tensor& bias = layer.self_attn->in_proj_bias;
  const int64_t E = W.size(1), H = layer.self_attn->num_heads, d = E / H, h = 1;
  const int64_t S = L.greedy.source.size(1);
  std::vector<std::vector<double>> x(S, std::vector<double>(E));
  for (int64_t s = 0; s < S; ++s) {
    const int64_t id = static_cast<int64_t>(L.greedy.source.data()[s]);
    for (int64_t e = 0; e < E; ++e)
      x[s][e] = model->source_embed->weight.data()[id * E + e] + model->positions.data()[s * E + e];
  }
  auto project = [&](int64_t block, int64_t s, int64_t j) {  // row s, column j of x W_blockᵀ + b
    const int64_t row = block * E + h * d + j;
    double sum = bias.data()[row];
    for (int64_t e = 0; e < E; ++e) sum += x[s][e] * W.data()[row * E + e];
    return sum;
  };
  const page::Matrix& head = find("m-heads-enc-self-L0-H1");
  REQUIRE(head.num_rows() == S);
  for (int64_t t = 0; t < S; ++t) {
    std::vector<double> scores(S);
    double top_score = -1e300, sum = 0;
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t j = 0; j < d; ++j) scores[s] += project(0, t, j) * project(1, s, j);
      scores[s] /= std::sqrt(static_cast<double>(d));
      top_score = std::max(top_score, scores[s]);
    }
    for (double v : scores) sum += std::exp(v - top_score);
    for (int64_t s = 0; s < S; ++s)
      CHECK(head.at(t, s) == doctest::Approx(std::exp(scores[s] - top_score) / sum).epsilon(1e-4));
  }
  // The masked decoder heads: nothing above the diagonal.
  const page::Matrix& self = find("m-heads-dec-self-L0-H0");
  for (int64_t r = 0; r < self.num_rows(); ++r)
    for (int64_t c = r + 1; c < self.num_cols(); ++c) CHECK(self.at(r, c) == 0.0f);
}

TEST_CASE("make page: the README's command writes the file and prints its path") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  // `make page` runs build/make_page build/page/attention.html; the dry run shows
  // it, and the program itself (built with the suite) writes a page elsewhere.
  const std::string out = "/tmp/ag_page_test_" + std::to_string(::getpid());
  FILE* dry =
      popen("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n --no-print-directory page 2>&1", "r");
  REQUIRE(dry != nullptr);
  std::string dry_output;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, dry)) > 0;) dry_output.append(chunk, n);
  pclose(dry);
  CHECK(dry_output.find("make_page build/page/attention.html") != std::string::npos);
  // This suite's own folder's program (build/, build/clang-libc++/, ...).
  const std::filesystem::path make_page =
      ag_test::platform::executable_path().parent_path() / "make_page";
  REQUIRE(std::filesystem::exists(make_page));  // `make test` builds it (mk/page.mk)
  const std::string command =
      "AG_TUTORIAL_OUT=" + out + " '" + make_page.string() + "' " + out + "/a.html";
  FILE* run = popen(command.c_str(), "r");
  REQUIRE(run != nullptr);
  std::string printed;
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, run)) > 0;) printed.append(chunk, n);
  CHECK(pclose(run) == 0);
  CHECK(printed.find(" KB: " + out + "/a.html\n") != std::string::npos);
  const std::string page_text = page::read_text_file(out + "/a.html");
  CHECK(page_text.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page_text.find("so trained it now") != std::string::npos);  // no weights in `out`
  std::filesystem::remove_all(out);
}

}  // TEST_SUITE("tutorials.page")
