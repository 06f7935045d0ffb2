// tests/helpers/browser.h: a real browser for the tests, with no dependency.
//
// The page (build/page/attention.html) and the training report are tested in
// Debian's headless Chromium, driven the way Puppeteer drives it but in a few
// hundred lines of C++: Chromium is started with --remote-debugging-pipe, so
// it reads DevTools-protocol commands on its fd 3 and writes answers and
// events on its fd 4, each message one JSON object ended by a NUL byte.
//
//   command   {"id": 7, "method": "Runtime.evaluate", "params": {...}, "sessionId": "..."}
//   answer    {"id": 7, "result": {...}}            or {"id": 7, "error": {"message": ...}}
//   event     {"method": "Runtime.exceptionThrown", "params": {...}, "sessionId": "..."}
//
// One page (a target) is opened and attached with flatten = true, so its
// commands go on the same pipe with its sessionId. While waiting for an
// answer the browser records the events the tests ask about: every network
// request (a page must never leave its own file) and every console error
// (console.error, an uncaught exception, a Log entry of level error).
//
// Every wait has a timeout and says what it was waiting for; a Chromium that
// is missing, or dies, is a BrowserError with its last lines of stderr. The
// destructor kills Chromium's whole process group and removes the temporary
// profile, also when a test failed half-way.
#pragma once

#include <sys/types.h>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io/json.h"

namespace ag::test {

struct BrowserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The Chromium binary: $AG_CHROMIUM if set (another browser build, or a
// stand-in the tests use to play a dead one), else `chromium` on the PATH; ""
// when there is none.
std::string find_chromium();
// Why the browser tests cannot run here ("" when they can): the install
// command to print when Chromium is missing.
std::string browser_unavailable_reason();

class Browser {
 public:
  // Starts Chromium and opens one blank page; BrowserError if it cannot.
  explicit Browser(double timeout_seconds = 20.0);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Opens a local file (file://<absolute path>[#hash]) and waits for its load
  // event. Forgets the requests and console errors of the previous page.
  void open_file(const std::string& path, const std::string& hash = "");
  // Evaluates a JavaScript expression in the page and returns its value as
  // JSON (returnByValue); an exception in the page is a BrowserError.
  io::JsonValue evaluate(const std::string& expression);
  double evaluate_number(const std::string& expression);
  std::string evaluate_string(const std::string& expression);
  bool evaluate_bool(const std::string& expression);
  // A key press as a user makes it: "ArrowLeft", "ArrowRight".
  void press_key(const std::string& key);
  // A left click at (x, y) CSS pixels of the viewport, pressed and released.
  void click(double x, double y);
  // The viewport: width × height CSS pixels (390 is a phone); mobile sets the
  // device's meta-viewport handling.
  void set_viewport(int width, int height, bool mobile = false);
  // The page as it is now, as a PNG file (written atomically): the viewport,
  // or with full_page the whole document (its first 3000 pixels:
  // a 256-row table below that costs time and shows nothing new).
  void screenshot(const std::string& png_path, bool full_page = false);

  // Every URL the page requested since open_file, the page itself included.
  const std::vector<std::string>& requests() const { return requests_; }
  // Every console error, exception and error log entry since open_file.
  const std::vector<std::string>& console_errors() const { return console_errors_; }
  // The file:// URL open_file built for path (so tests can compare requests).
  static std::string file_url(const std::string& path);

 private:
  io::JsonValue call(const std::string& method, const std::string& params_json,
                     bool to_page = true);
  // Reads one message (NUL-terminated) within the deadline, or throws saying
  // what it was waiting for.
  io::JsonValue read_message(double deadline, const std::string& waiting_for);
  void handle_event(const io::JsonValue& message);
  void wait_for_event(const std::string& method, const std::string& waiting_for);
  // Throws BrowserError: what, how Chromium ended (waiting up to wait_for_exit
  // seconds for it) and its last lines of stderr.
  [[noreturn]] void fail(const std::string& what, double wait_for_exit = 0.0);
  void shut_down();

  double timeout_;
  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string profile_dir_, buffer_, session_id_;
  int64_t next_id_ = 1;
  bool answered_ = false;                 // has Chromium said anything yet?
  std::vector<std::string> seen_events_;  // methods of events since the last wait_for_event
  std::vector<std::string> requests_, console_errors_;
};

// One Chromium for the whole suite, started on first use (and shut down at
// exit): starting it costs about a second, a page load a few milliseconds.
Browser& shared_browser();

// The checkout the test program was built in (the folder above build/ that
// holds the Makefile): the browser tests open files under its build/page/.
std::string checkout_root();

// JavaScript string literal of s ("..." with quotes and backslashes escaped).
std::string js_string(const std::string& s);

}  // namespace ag::test
