// tests/tutorials/test_page_browser.cpp: the attention page in a real browser.
//
// The page is generated here, in this process, by the page's own code
// (tutorials/page/) into build/page/browser_test/attention.html, with the
// tiny Transformer seeded but untrained (as tests/tutorials/test_page_html.cpp
// does: `make page` would train it for about 10 s). Headless Chromium opens it
// from file:// (tests/helpers/browser.h) and the test reads the page back:
//   - it loads with no console error and requests nothing but itself;
//   - every number in the DOM (each cell's data-value) is the float the
//     lesson functions (tutorials/common/lessonNN) compute, recomputed here;
//   - ← →, a hash link and a nav link change the view; the graph's nodes
//     open their tensor's value and gradient;
//   - agPage.recompute on a second input (other embeddings, a causal mask,
//     one head) matches the lessons' attention on that input within 1e-5;
//   - at phone width (390 px) no view is wider than the screen.
// A screenshot of every view goes to build/page/screenshots/<view>.png.
// Skipped, with the reason printed, where Chromium is not installed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/ag.h"
#include "core/io/atomic_file.h"
#include "tests/helpers/browser.h"
#include "tests/helpers/data_test_util.h"
#include "tests/helpers/page_test_util.h"

using namespace ag;
using ag::test::Browser;
namespace pt = ag::page_test;

TEST_SUITE("tutorials.browser") {

TEST_CASE("make chromium: installs as root, prints the one command otherwise") {
  const std::string user = pt::make_output("-s chromium CHROMIUM=no-such-chromium USER_ID=1000");
  CHECK(user ==
        "Chromium is not installed; for the browser tests run:  sudo apt-get install -y "
        "chromium\n");
  // make test asks for it first: as root on a machine without it, it installs it.
  CHECK(pt::make_output("-n test CHROMIUM=no-such-chromium USER_ID=0")
            .find("apt-get install -y -qq chromium") != std::string::npos);
}

TEST_CASE("the harness: a missing, dead or silent Chromium is a BrowserError that says so") {
  test::TempDir dir;
  const std::string dead = dir.file("dead-chromium"), silent = dir.file("silent-chromium");
  io::write_file_atomic(dead, "#!/bin/sh\necho 'no display found' >&2\nexit 3\n");
  io::write_file_atomic(silent, "#!/bin/sh\nexec sleep 30\n");  // never answers
  std::filesystem::permissions(dead, std::filesystem::perms::owner_all);
  std::filesystem::permissions(silent, std::filesystem::perms::owner_all);
  auto error_with = [](const std::string& binary, double timeout) -> std::string {
    pt::ScopedEnv env("AG_CHROMIUM", binary);
    try {
      Browser browser(timeout);
    } catch (const test::BrowserError& e) {
      return e.what();
    }
    return "(no error)";
  };
  {
    pt::ScopedEnv env("AG_CHROMIUM", dir.file("nowhere"));
    CHECK(test::browser_unavailable_reason() ==
          "AG_CHROMIUM=" + dir.file("nowhere") + " is not an executable file");
  }
  CHECK(error_with(dir.file("nowhere"), 5) ==
        "AG_CHROMIUM=" + dir.file("nowhere") + " is not an executable file");
  CHECK(error_with(dead, 5) ==
        "browser: chromium closed its DevTools pipe to Target.createTarget; chromium exited "
        "with status 3\nchromium's last lines:\nno display found\n");
  CHECK(error_with(silent, 0.3) == "browser: no answer within 0.3 s to Target.createTarget");
}

TEST_CASE("the page opens offline: no console error, no request, every view in ← → order") {
  if (pt::skip_without_browser()) return;
  Browser& browser = pt::page_browser();
  const std::string page = pt::test_page();
  browser.open_file(page);
  CHECK(browser.console_errors().empty());
  for (const std::string& error : browser.console_errors()) MESSAGE(error);
  REQUIRE(!browser.requests().empty());
  for (const std::string& url : browser.requests()) CHECK(url == Browser::file_url(page));

  const std::vector<std::string> views = pt::strings(browser.evaluate("agPage.views()"));
  const std::vector<std::string> sections = pt::strings(
      browser.evaluate("Array.from(document.querySelectorAll('section.ag-view')).map(s => s.id)"));
  REQUIRE(sections.size() == views.size());
  for (size_t i = 0; i < views.size(); ++i) CHECK(sections[i] == "v-" + views[i]);
  for (const char* view : {"01-embeddings", "02-weights", "02-grad", "graph", "03-mask", "04-cross",
                           "05-heads", "07-decode", "heads", "08-image"})
    CHECK_MESSAGE(std::find(views.begin(), views.end(), view) != views.end(), view);

  // One screenshot per view, for a human to look at.
  for (const std::string& view : views) {
    browser.evaluate("agPage.show(" + test::js_string(view) + ")");
    CHECK(pt::visible_views(browser) == std::vector<std::string>{"v-" + view});
    browser.screenshot(pt::screenshot_path(view), /*full_page=*/true);
  }
  CHECK(browser.console_errors().empty());
}

TEST_CASE("every number in the DOM is the lessons' float, and agPage.data holds the same") {
  if (pt::skip_without_browser()) return;
  Browser& browser = pt::page_browser();
  browser.open_file(pt::test_page());
  const std::map<std::string, pt::DomMatrix> dom = pt::dom_matrices(browser);
  const std::map<std::string, pt::DomMatrix> data = pt::page_data(browser);

  // Every figure: its table is data-rows × data-cols, and agPage.data agrees.
  // (Here and below entry.first, not a structured binding: clang 14's INFO
  // cannot capture one.)
  for (const auto& entry : dom) {
    const auto& id = entry.first;
    const auto& m = entry.second;
    INFO(id);
    CHECK(int64_t(m.values.size()) == m.rows * m.cols);
    REQUIRE(data.count(id) == 1);
    CHECK(pt::max_difference(data.at(id).values, m.values) == 0.0);
  }
  // The lessons' tensors, recomputed here, cell by cell (exact: 9 digits
  // carry a float), for every step the lessons define.
  for (const auto& entry : pt::lesson_matrices()) {
    const auto& id = entry.first;
    const auto& tensor = entry.second;
    INFO(id);
    REQUIRE_MESSAGE(dom.count(id) == 1, "no figure " << id << " on the page");
    const pt::DomMatrix& m = dom.at(id);
    CHECK(m.rows * m.cols == tensor.numel());
    CHECK(pt::max_difference(m.values, tensor.to_vector()) == 0.0);
  }
  // The trained model's heads: every row of weights sums to 1; the decoder's
  // self-attention never looks at a later word.
  int heads = 0;
  for (const auto& entry : dom) {
    const auto& id = entry.first;
    const auto& m = entry.second;
    if (id.rfind("m-heads-", 0) != 0) continue;
    INFO(id);
    ++heads;
    for (int64_t r = 0; r < m.rows; ++r) {
      double sum = 0.0;
      for (int64_t c = 0; c < m.cols; ++c) {
        sum += m.values[size_t(r * m.cols + c)];
        if (id.find("dec-self") != std::string::npos && c > r)
          CHECK(m.values[size_t(r * m.cols + c)] == 0.0);
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
  CHECK(heads >= 6);
}

TEST_CASE("← →, a hash link and a nav link change the view; graph nodes open their tensors") {
  if (pt::skip_without_browser()) return;
  Browser& browser = pt::page_browser();
  const std::string page = pt::test_page();
  browser.open_file(page);
  const std::vector<std::string> views = pt::strings(browser.evaluate("agPage.views()"));
  REQUIRE(views.size() >= 3);
  CHECK(browser.evaluate_string("agPage.current()") == views[0]);
  browser.press_key("ArrowRight");
  CHECK(browser.evaluate_string("agPage.current()") == views[1]);
  CHECK(browser.evaluate_string("location.hash") == "#" + views[1]);
  CHECK(pt::visible_views(browser) == std::vector<std::string>{"v-" + views[1]});
  browser.press_key("ArrowRight");
  browser.press_key("ArrowLeft");
  CHECK(browser.evaluate_string("agPage.current()") == views[1]);
  browser.press_key("ArrowLeft");
  browser.press_key("ArrowLeft");  // already the first: stays
  CHECK(browser.evaluate_string("agPage.current()") == views[0]);

  // A link with a hash opens that step, and one with a head opens that head.
  browser.open_file(page, "02-weights");
  CHECK(browser.evaluate_string("agPage.current()") == "02-weights");
  CHECK(pt::visible_views(browser) == std::vector<std::string>{"v-02-weights"});
  const std::string head = browser.evaluate_string(
      "document.querySelector('#v-heads .ag-grid a').getAttribute('href').split('/')[1]");
  browser.open_file(page, "heads/" + head);
  CHECK(browser.evaluate_string("agPage.current()") == "heads/" + head);
  CHECK(pt::shown(browser, "m-heads-" + head));
  // The hash changed in the open page (a link pasted into the address bar, Back).
  CHECK(browser.evaluate_string("location.hash = '#04-cross';"
                                " new Promise(done => setTimeout(done, 50))"
                                ".then(() => agPage.current())") == "04-cross");
  CHECK(pt::visible_views(browser) == std::vector<std::string>{"v-04-cross"});
  // The navigation's own link, clicked as a user clicks it.
  pt::click_element(browser, "#ag-nav a[href='#03-mask']");
  CHECK(browser.evaluate_string("agPage.current()") == "03-mask");
  CHECK(browser.evaluate_string("location.hash") == "#03-mask");

  // The graph: a click on each node shows its value and, if it has one, its gradient.
  browser.open_file(page, "graph");
  const std::vector<std::string> tensors = pt::strings(
      browser.evaluate("Array.from(document.querySelectorAll('#ag-graph .ag-node[data-tensor]'))"
                       ".map(n => n.dataset.tensor).filter(t => t)"));
  CHECK(tensors.size() >= 8);
  int with_gradient = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string& tensor = tensors[i];
    INFO(tensor);
    pt::click_element(browser, "#ag-graph .ag-node[data-tensor='" + tensor + "']");
    CHECK(browser.evaluate_string("agPage.current()") == "graph/" + tensor);
    CHECK(pt::shown(browser, tensor));
    const std::string grad =
        browser.evaluate_string("document.querySelector(\"#ag-graph .ag-node[data-tensor='" +
                                tensor + "']\").dataset.grad || ''");
    if (!grad.empty()) {
      CHECK(pt::shown(browser, grad));
      ++with_gradient;
    }
  }
  CHECK(with_gradient >= 6);
  CHECK(browser.console_errors().empty());
}

TEST_CASE(
    "agPage.recompute: on the default input it is the page's data; on a second input "
    "(other embeddings, causal mask, 1 head) it is the lessons' attention within 1e-5") {
  if (pt::skip_without_browser()) return;
  Browser& browser = pt::page_browser();
  browser.open_file(pt::test_page());
  const std::map<std::string, pt::DomMatrix> data = pt::page_data(browser);
  const std::map<std::string, pt::DomMatrix> same =
      pt::recomputed(browser, "agPage.defaultInput()");
  CHECK(same.size() >= 10);
  for (const auto& entry : same) {
    const auto& id = entry.first;
    const auto& m = entry.second;
    INFO(id);
    REQUIRE(data.count(id) == 1);
    CHECK(pt::max_relative_difference(m.values, data.at(id).values) <= 1e-6);
  }

  const pt::SecondInput second = pt::second_input();
  const std::map<std::string, pt::DomMatrix> got = pt::recomputed(browser, second.javascript);
  for (const auto& entry : second.expected) {
    const auto& id = entry.first;
    const auto& tensor = entry.second;
    INFO(id);
    REQUIRE_MESSAGE(got.count(id) == 1, "recompute gave no " << id);
    CHECK(pt::max_relative_difference(got.at(id).values, tensor.to_vector()) <= 1e-5);
  }
  CHECK(got.count("m-05-heads-weights-h1") == 0);  // one head now
  CHECK(browser.console_errors().empty());
}

TEST_CASE("phone width (390 px): no view is wider than the screen") {
  if (pt::skip_without_browser()) return;
  Browser& browser = pt::page_browser();
  browser.set_viewport(390, 844, /*mobile=*/true);
  browser.open_file(pt::test_page());
  for (const std::string& view : pt::strings(browser.evaluate("agPage.views()"))) {
    INFO(view);
    browser.evaluate("agPage.show(" + test::js_string(view) + ")");
    CHECK(browser.evaluate_number("document.documentElement.scrollWidth") <= 390);
    CHECK(browser.evaluate_number("document.body.scrollWidth") <= 390);
    if (view == "02-weights" || view == "heads")
      browser.screenshot(pt::screenshot_path("phone-" + view));
  }
  browser.set_viewport(1280, 900);
  CHECK(browser.console_errors().empty());
}

}  // TEST_SUITE("tutorials.browser")
