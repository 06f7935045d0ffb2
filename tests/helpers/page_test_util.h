// tests/helpers/page_test_util.h: what tests/tutorials/test_page_browser.cpp
// reads from the attention page, and what it compares it with.
//
//   test_page()        the page, generated once per run by tutorials/page/
//                      (the seeded, untrained Transformer: no 10 s of training)
//   dom_matrices()     every <figure class="ag-matrix">: its data-rows,
//                      data-cols and the data-value of each cell, as floats
//   page_data()        window.agPage.data, the same way
//   recomputed()       window.agPage.recompute(input)
//   lesson_matrices()  the tensors the lesson functions compute, by figure id
//   second_input()     another input (changed embeddings, causal mask, 1 head):
//                      its JavaScript, and its steps computed by the lessons
// Numbers cross from the page as strings (String(v) in JavaScript, "%.9g" in
// the cells), so -Infinity (a masked score) survives, and every float
// arrives exactly.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/ag.h"
#include "tests/helpers/browser.h"
#include "tests/helpers/test_util.h"
#include "tutorials/common/attention_steps.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/sentence.h"
#include "tutorials/page/page_build.h"

namespace ag::page_test {

// `make <args>` in the checkout, with its output (stdout and stderr).
inline std::string make_output(const std::string& args) {
  const std::string command =
      // (MAKEFLAGS cleared: under `make asan` a make in a make would warn about its jobserver.)
      "MAKEFLAGS= MFLAGS= make -C '" + test::checkout_root() + "' --no-print-directory " + args +
      " 2>&1";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char chunk[4096];
    for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) out.append(chunk, n);
    ::pclose(pipe);
  }
  return out;
}

using ag_test::ScopedEnv;  // (tests/helpers/test_util.h)

// True (and says why) when Chromium is not installed here.
inline bool skip_without_browser() {
  const std::string reason = test::browser_unavailable_reason();
  if (!reason.empty()) MESSAGE("skipped: " << reason);
  return !reason.empty();
}

inline test::Browser& page_browser() {
  test::Browser& browser = test::shared_browser();
  browser.set_viewport(1280, 900);
  return browser;
}

// build/page/screenshots/<view>.png ("heads/x" becomes "heads-x").
inline std::string screenshot_path(std::string view) {
  for (char& c : view)
    if (c == '/') c = '-';
  return test::checkout_root() + "/build/page/screenshots/" + view + ".png";
}

// The page, in the order gather_page() puts its views, written once.
inline const std::string& test_page() {
  static const std::string path = [] {
    page::PageContent content;
    std::vector<page::View> steps = page::step_views();
    page::GradientPage gradients = page::gradient_views();
    size_t after_02 = 0;  // 02's forward views, then its backward and graph, then 03 on
    while (after_02 < steps.size() && steps[after_02].id.rfind("02-", 0) != 0) ++after_02;
    while (after_02 < steps.size() && steps[after_02].id.rfind("02-", 0) == 0) ++after_02;
    steps.insert(steps.begin() + std::ptrdiff_t(after_02), {gradients.gradients, gradients.graph});
    content.views = steps;
    content.graph = gradients.layout;
    manual_seed(6);
    std::shared_ptr<tut::TinyTransformer> model = tut::make_translator(tut::TranslatorConfig());
    for (const page::View& v : page::trained_views(*model)) content.views.push_back(v);
    content.views.push_back(page::image_view());
    content.input = page::default_input();
    content.provenance = "seeded and untrained: the browser test's page";
    const std::string root = test::checkout_root();
    const std::string out = root + "/build/page/browser_test/attention.html";
    page::write_page(content, root + "/tutorials/page", out);
    return out;
  }();
  return path;
}

inline std::vector<std::string> strings(const io::JsonValue& array) {
  std::vector<std::string> out;
  for (const io::JsonValue& v : array.array) out.push_back(v.string);
  return out;
}

// The ids of the views that are displayed (exactly one, when JavaScript runs).
inline std::vector<std::string> visible_views(test::Browser& browser) {
  return strings(
      browser.evaluate("Array.from(document.querySelectorAll('section.ag-view'))"
                       ".filter(s => s.getClientRects().length > 0).map(s => s.id)"));
}

// Is the element with this id laid out (not display: none, nor inside one)?
inline bool shown(test::Browser& browser, const std::string& id) {
  return browser.evaluate_bool(
      "(e => !!e && e.getClientRects().length > 0)(document.getElementById(" + test::js_string(id) +
      "))");
}

// A real mouse click in the middle of the element the selector finds.
inline void click_element(test::Browser& browser, const std::string& selector) {
  const io::JsonValue box = browser.evaluate(
      "(() => { const e = document.querySelector(" + test::js_string(selector) +
      "); e.scrollIntoView({block: 'center'}); const b = e.getBoundingClientRect();"
      " return [b.left + b.width / 2, b.top + b.height / 2]; })()");
  auto at = [&](size_t i) {
    const io::JsonValue& v = box.array.at(i);
    return v.is(io::JsonValue::Kind::Int) ? double(v.integer) : v.number;
  };
  browser.click(at(0), at(1));
}

struct DomMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;  // row-major, rounded to float as the lessons keep them
};

// [[id, rows, cols, ["1.5", "-inf", ...]], ...] as the expression returns it (a JSON string).
inline std::map<std::string, DomMatrix> read_matrices(test::Browser& browser,
                                                      const std::string& expression) {
  const io::JsonValue list = io::parse_json(browser.evaluate_string(expression), 16);
  std::map<std::string, DomMatrix> out;
  for (const io::JsonValue& entry : list.array) {
    DomMatrix m;
    m.rows = entry.array.at(1).integer;
    m.cols = entry.array.at(2).integer;
    for (const io::JsonValue& v : entry.array.at(3).array)
      m.values.push_back(float(std::strtod(v.string.c_str(), nullptr)));
    out[entry.array.at(0).string] = m;
  }
  return out;
}

inline std::map<std::string, DomMatrix> dom_matrices(test::Browser& browser) {
  return read_matrices(browser,
                       "JSON.stringify(Array.from(document.querySelectorAll('figure.ag-matrix'))"
                       ".map(f => [f.id, +f.dataset.rows, +f.dataset.cols,"
                       " Array.from(f.querySelectorAll('td[data-value]')).map(td => "
                       "td.dataset.value)]))");
}

inline std::map<std::string, DomMatrix> page_data(test::Browser& browser) {
  return read_matrices(browser,
                       "JSON.stringify(Object.entries(agPage.data).map(([id, m]) =>"
                       " [id, m.rows.length, m.cols.length, m.values.flat().map(String)]))");
}

inline std::map<std::string, DomMatrix> recomputed(test::Browser& browser,
                                                   const std::string& input) {
  return read_matrices(browser, "JSON.stringify(Object.entries(agPage.recompute(" + input +
                                    ")).map(([id, v]) => [id, v.length,"
                                    " v.length ? v[0].length : 0, v.flat().map(String)]))");
}

// Largest |a - b| (equal infinities count 0); infinite when the sizes differ.
inline double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return std::isnan(worst) ? INFINITY : worst;
}
// Largest |a - b| / max(1, |b|).
inline double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    const double d = std::abs(double(a[i]) - double(b[i])) / std::max(1.0, std::abs(double(b[i])));
    worst = std::max(worst, std::isnan(d) ? INFINITY : d);
  }
  return worst;
}

using Named = std::vector<std::pair<std::string, Tensor>>;

// The lessons' tensors under the ids of the figures that show them.
inline Named lesson_matrices() {
  Named m;
  const tut::TokensLesson L1 = tut::lesson01_tokens();
  m.push_back({"m-01-embeddings-english", L1.english_vectors});
  m.push_back({"m-01-embeddings-french", L1.french_vectors});
  m.push_back({"m-01-embeddings-cosine", L1.english_cosine});
  const tut::EncoderLesson L2 = tut::lesson02_encoder();
  const tut::Attention& a = L2.learned;
  for (const auto& [name, t] : Named{{"x", L2.x},
                                     {"W_Q", L2.W_Q},
                                     {"W_K", L2.W_K},
                                     {"W_V", L2.W_V},
                                     {"query", a.query},
                                     {"key", a.key},
                                     {"value", a.value}})
    m.push_back({"m-02-qkv-" + name, t});
  m.push_back({"m-02-scores-scores", a.scores});
  m.push_back({"m-02-scaled-scaled", a.scaled});
  m.push_back({"m-02-weights-weights", a.weights});
  m.push_back({"m-02-out-out", a.out});
  const tut::BackwardLesson B = tut::lesson02_backward(L2);
  for (const char* view : {"m-02-grad-", "m-graph-"})
    for (const auto& [name, t] : Named{{"dW_Q", B.dW_Q},
                                       {"dweights", B.dweights},
                                       {"dscaled", B.dscaled},
                                       {"dscores", B.dscores},
                                       {"dout", B.dout},
                                       {"weights", B.attention.weights},
                                       {"scores", B.attention.scores}})
      m.push_back({view + name, t});
  const tut::DecoderLesson L3 = tut::lesson03_decoder();
  for (const auto& [name, t] : Named{{"y", L3.y},
                                     {"mask", L3.mask},
                                     {"scaled", L3.masked.scaled},
                                     {"masked", L3.masked.masked},
                                     {"weights", L3.masked.weights},
                                     {"out", L3.masked.out}})
    m.push_back({"m-03-mask-" + name, t});
  const tut::CrossLesson L4 = tut::lesson04_cross();
  for (const auto& [name, t] : Named{{"decoder", L4.decoder},
                                     {"memory", L4.memory},
                                     {"query", L4.cross.query},
                                     {"key", L4.cross.key},
                                     {"scaled", L4.cross.scaled},
                                     {"weights", L4.cross.weights},
                                     {"out", L4.cross.out}})
    m.push_back({"m-04-cross-" + name, t});
  const tut::MultiHeadWeights W5 = tut::lesson05_weights();
  const tut::MultiHead M = tut::multi_head(tut::english_word_vectors(), W5, tut::kHeads);
  for (const auto& [name, t] : Named{{"W_Q", W5.W_Q},
                                     {"W_K", W5.W_K},
                                     {"W_V", W5.W_V},
                                     {"W_O", W5.W_O},
                                     {"concat", M.concat},
                                     {"out", M.out}})
    m.push_back({"m-05-heads-" + name, t});
  for (int64_t h = 0; h < tut::kHeads; ++h) {
    m.push_back({"m-05-heads-query-h" + std::to_string(h), select(M.q_heads, 0, h)});
    m.push_back({"m-05-heads-weights-h" + std::to_string(h), select(M.heads.weights, 0, h)});
  }
  const tut::ImageAttentionLesson L8 = tut::lesson08_image_attention();
  const int64_t pixel = tut::kQueryRow * tut::kMapSide + tut::kQueryCol;
  m.push_back({"m-08-image-objects", L8.map.objects});
  m.push_back({"m-08-image-map-before", select(select(L8.lines.attention, 0, 0), 0, pixel)});
  m.push_back({"m-08-image-query-before", select(L8.lines.query, 0, 0)});
  m.push_back({"m-08-image-key-before", select(L8.lines.key, 0, 0)});
  return m;
}

struct SecondInput {
  std::string javascript;  // an expression: agPage.defaultInput() with our changes
  Named expected;          // the lessons' steps on that input
};

// Each embedding entry halved and moved by 0.3·(row − column); tutorial 02's
// attention with a causal mask; tutorial 05's with one head.
inline SecondInput second_input() {
  const Tensor x = tut::english_word_vectors();  // (4, 4), rows I am a student
  const std::vector<std::string> words = tut::tokenize(tut::kEnglishSentence);
  const int64_t T = x.size(0), D = x.size(1);
  std::vector<float> changed = x.to_vector();
  SecondInput in;
  in.javascript = "(() => { const input = agPage.defaultInput();";
  for (int64_t i = 0; i < T; ++i) {
    in.javascript += " input.embeddings[" + test::js_string(words[size_t(i)]) + "] = [";
    for (int64_t j = 0; j < D; ++j) {
      float& v = changed[size_t(i * D + j)];
      v = 0.5f * v + 0.3f * float(i - j);
      char text[32];
      std::snprintf(text, sizeof text, "%.9g", double(v));
      in.javascript += (j ? ", " : "") + std::string(text);
    }
    in.javascript += "];";
  }
  in.javascript += " input.mask = 'causal'; input.heads = 1; return input; })()";

  const Tensor x2 = from_vector(changed, {T, D});
  const tut::EncoderLesson L2 = tut::lesson02_encoder();
  const tut::Attention a = tut::attend(matmul(x2, L2.W_Q), matmul(x2, L2.W_K), matmul(x2, L2.W_V),
                                       tut::step_causal_mask(T));
  in.expected = {{"m-02-qkv-x", x2},
                 {"m-02-qkv-query", a.query},
                 {"m-02-qkv-key", a.key},
                 {"m-02-qkv-value", a.value},
                 {"m-02-scores-scores", a.scores},
                 {"m-02-scaled-scaled", a.scaled},
                 {"m-02-scaled-masked", a.masked},
                 {"m-02-weights-weights", a.weights},
                 {"m-02-out-out", a.out}};
  const tut::MultiHead M = tut::multi_head(x2, tut::lesson05_weights(), 1);
  in.expected.push_back({"m-05-heads-query-h0", select(M.q_heads, 0, 0)});
  in.expected.push_back({"m-05-heads-weights-h0", select(M.heads.weights, 0, 0)});
  in.expected.push_back({"m-05-heads-concat", M.concat});
  in.expected.push_back({"m-05-heads-out", M.out});
  return in;
}

}  // namespace ag::page_test
