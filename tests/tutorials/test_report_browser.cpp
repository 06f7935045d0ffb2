// tests/tutorials/test_report_browser.cpp: runs/<out>/report.html in a real browser.
//
// A two-epoch run of a tiny network that has a SelfAttention layer (so the
// report has maps to show) writes report.html; headless Chromium opens it
// (tests/helpers/browser.h) and the test reads the page back: its confusion
// matrix must be the trainer's, its predictions and attention maps must be
// what the trained model itself computes on the same test images, and a
// click on a pixel must show that pixel's row of the map. Skipped, with the
// reason printed, where Chromium is not installed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/ag.h"
#include "nn/models/attention_net.h"
#include "nn/nn.h"
#include "tests/helpers/browser.h"
#include "tests/helpers/train_test_util.h"
#include "tutorials/common/report_html.h"

using namespace ag;
using ag::test::Browser;

namespace {

// conv 3×3 -> ReLU -> SelfAttention over the 16×16 map -> 2×2 pool -> linear.
class AttendingNet : public nn::UnaryModule {
 public:
  AttendingNet(int64_t channels, int64_t classes) : UnaryModule("AttendingNet") {
    conv = register_module(
        "conv", std::make_shared<nn::Conv2d>(channels, 8, 3, Conv2dOptions().padding(1)));
    attention = register_module("attention", std::make_shared<nn::SelfAttention>(8));
    fc = register_module("fc", std::make_shared<nn::Linear>(8 * 2 * 2, classes));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = attention(relu(conv(x)));    // (B, 8, 16, 16)
    h = adaptive_avg_pool2d(h, 2, 2);       // (B, 8, 2, 2)
    return fc(h.reshape({h.size(0), -1}));  // (B, K)
  }
  nn::ModuleHolder<nn::Conv2d> conv;
  nn::ModuleHolder<nn::SelfAttention> attention;
  nn::ModuleHolder<nn::Linear> fc;
};

// Reads a JSON array of numbers from the page.
std::vector<double> numbers_of(const io::JsonValue& array) {
  std::vector<double> out;
  for (const io::JsonValue& v : array.array)
    out.push_back(v.is(io::JsonValue::Kind::Int) ? double(v.integer) : v.number);
  return out;
}

}  // namespace

TEST_SUITE("tutorials.browser") {

TEST_CASE("report.html: the trainer's confusion matrix, the model's predictions and maps") {
  if (const std::string reason = test::browser_unavailable_reason(); !reason.empty()) {
    MESSAGE("skipped: " << reason);
    return;
  }
  test::TempDir dir;
  std::shared_ptr<AttendingNet> model;
  auto factory = [&](const Shape& input, int64_t classes) -> std::shared_ptr<nn::UnaryModule> {
    model = std::make_shared<AttendingNet>(input[0], classes);
    return model;
  };
  train::TrainConfig config = train_test::tiny_run(dir.file("run"));
  std::ostringstream log;
  const train::TrainResult result = train::run_training(config, log, factory);
  REQUIRE(result.evaluated);
  const std::string report = dir.file("run") + "/report.html";
  REQUIRE(std::filesystem::exists(report));

  // What the trained model makes of the first four test images, computed
  // here with the layer's own keep_attention, independently of the report.
  train::RunData run = train::load_run_data(config, log);
  std::vector<Tensor> images;
  Generator rng(0);
  for (int64_t i = 0; i < 4; ++i) images.push_back(run.test_transform(run.test->get(i).image, rng));
  model->eval();
  model->attention->keep_attention = true;
  Tensor logits;
  {
    NoGradGuard no_grad;
    logits = (*model)(stack(images));
  }
  const std::vector<float> maps = model->attention->last_attention.to_vector();  // (4, P, P)
  const int64_t P = model->attention->last_attention.size(1), side = 16;
  REQUIRE(P == side * side);

  Browser& browser = test::shared_browser();
  browser.set_viewport(1100, 900);
  browser.open_file(report);
  CHECK(browser.console_errors().empty());
  for (const std::string& error : browser.console_errors()) MESSAGE(error);
  for (const std::string& url : browser.requests()) CHECK(url == Browser::file_url(report));

  // The confusion matrix in the DOM, cell by cell, against the trainer's.
  const io::JsonValue cells = browser.evaluate(
      "Array.from(document.querySelectorAll('#confusion td'))"
      ".map(td => [+td.dataset.true, +td.dataset.pred, +td.dataset.value])");
  const auto& confusion = result.last_eval.confusion;
  REQUIRE(cells.array.size() == confusion.size() * confusion.size());
  for (const io::JsonValue& cell : cells.array) {
    const std::vector<double> v = numbers_of(cell);
    CHECK(v[2] == double(confusion[size_t(v[0])][size_t(v[1])]));
  }
  const std::vector<double> per_class = numbers_of(
      browser.evaluate("Array.from(document.querySelectorAll('#per-class td[data-value]'))"
                       ".map(td => +td.dataset.value)"));
  REQUIRE(per_class.size() == confusion.size());
  for (size_t k = 0; k < per_class.size(); ++k) {
    int64_t row = 0;
    for (int64_t n : confusion[k]) row += n;
    CHECK(per_class[k] == doctest::Approx(row ? double(confusion[k][k]) / double(row) : 0.0));
  }

  // The first four images' true and predicted classes.
  for (int64_t i = 0; i < 4; ++i) {
    const std::string figure = "document.getElementById('sample-" + std::to_string(i) + "')";
    CHECK(browser.evaluate_number("+" + figure + ".dataset.label") == run.test->get(i).label);
    const std::vector<float> scores = logits.to_vector();  // (4, K) row-major
    const int64_t K = logits.size(1);
    const auto best = std::max_element(scores.begin() + i * K, scores.begin() + (i + 1) * K);
    CHECK(browser.evaluate_number("+" + figure + ".dataset.predicted") ==
          double(best - (scores.begin() + i * K)));
  }

  // A click on pixel (row 3, column 12) of image 1 shows that pixel's row of
  // the map: the one the model computed, to the byte the page keeps per weight.
  browser.evaluate("document.getElementById('att-input-1').scrollIntoView()");
  const std::vector<double> seen = numbers_of(browser.evaluate(
      "(() => { const b = document.getElementById('att-input-1').getBoundingClientRect();"
      " return [b.left, b.top, b.width, b.height]; })()"));
  const int64_t row = 3, col = 12, pixel = row * side + col;
  browser.click(seen[0] + (col + 0.5) * seen[2] / side, seen[1] + (row + 0.5) * seen[3] / side);
  CHECK(browser.evaluate_number("agReport.selected(1)") == pixel);
  const float* expected = maps.data() + (1 * P + pixel) * P;
  int64_t strongest = 0;
  float top = 0.0f;
  for (int64_t j = 0; j < P; ++j)
    if (expected[j] > top) top = expected[j], strongest = j;
  const std::vector<double> shown =
      numbers_of(browser.evaluate("agReport.weights(1, 3 * 16 + 12)"));
  REQUIRE(shown.size() == size_t(P));
  double worst = 0.0;
  for (int64_t j = 0; j < P; ++j) worst = std::max(worst, std::abs(shown[j] - expected[j]));
  CHECK(worst <= top / 255.0 / 2.0 + 1e-7);  // one byte per weight, rounded
  CHECK(browser.evaluate_number("+document.getElementById('att-caption-1').dataset.strongest") ==
        strongest);
  CHECK(browser.evaluate_string("document.getElementById('att-caption-1').textContent")
            .find("(row 3, column 12) attends most to") != std::string::npos);
  CHECK(browser.console_errors().empty());
  browser.screenshot(test::checkout_root() + "/build/page/report.png", /*full_page=*/true);

  // A phone: nothing wider than the screen.
  browser.set_viewport(390, 800, true);
  CHECK(browser.evaluate_number("document.documentElement.scrollWidth") <= 390);
  browser.screenshot(test::checkout_root() + "/build/page/report-phone.png");
  browser.set_viewport(1280, 900);
}

}  // TEST_SUITE("tutorials.browser")
