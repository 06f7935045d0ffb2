// tests/helpers/browser.cpp: the DevTools protocol over the pipe (browser.h says how;
// browser_process.cpp starts and stops Chromium).
#include "tests/helpers/browser.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/io/atomic_file.h"

namespace ag::test {
namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::vector<uint8_t> base64_decode(const std::string& text) {
  auto digit = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;  // '=' padding, or anything else: skipped
  };
  std::vector<uint8_t> out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int d = digit(c);
    if (d < 0) continue;
    bits = (bits << 6) | uint32_t(d);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(uint8_t((bits >> count) & 0xFF));
    }
  }
  return out;
}

const io::JsonValue& member(const io::JsonValue& object, std::string_view key) {
  static const io::JsonValue null_value;
  const io::JsonValue* found = object.find(key);
  return found ? *found : null_value;
}

std::string string_of(const io::JsonValue& object, std::string_view key) {
  return member(object, key).string;
}

// A console.error argument as the console shows it.
std::string describe_argument(const io::JsonValue& arg) {
  const io::JsonValue& value = member(arg, "value");
  if (value.is(io::JsonValue::Kind::String)) return value.string;
  if (!string_of(arg, "description").empty()) return string_of(arg, "description");
  return io::write_json(value);
}

}  // namespace

std::string js_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string Browser::file_url(const std::string& path) {
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  std::string url = "file://";
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : absolute) {
    if (std::isalnum(c) || std::strchr("/-._~", c)) {
      url += char(c);
    } else {  // percent-encoded, as the browser itself would write it
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

io::JsonValue Browser::read_message(double deadline, const std::string& waiting_for) {
  for (;;) {
    const size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      const std::string text = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      answered_ = true;
      io::JsonLimits limits;
      limits.max_values = int64_t(1) << 24;  // a page's data can hold many numbers
      return io::parse_json(text, limits);
    }
    const double left = deadline - now_seconds();
    if (left <= 0) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", timeout_);
      fail("no answer within " + std::string(seconds) + " s " + waiting_for);
    }
    pollfd readable{from_browser_, POLLIN, 0};
    const int ready = ::poll(&readable, 1, int(left * 1000) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above reports it
    char chunk[65536];
    const ssize_t got = ::read(from_browser_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("chromium closed its DevTools pipe " + waiting_for, /*wait_for_exit=*/1.0);
    buffer_.append(chunk, size_t(got));
  }
}

io::JsonValue Browser::call(const std::string& method, const std::string& params_json,
                            bool to_page) {
  if (pid_ <= 0) fail("chromium is not running (" + method + ")");
  const int64_t id = next_id_++;
  std::string command =
      R"({"id":)" + std::to_string(id) + R"(,"method":")" + method + R"(","params":)" + params_json;
  if (to_page) command += R"(,"sessionId":")" + session_id_ + "\"";
  command += "}";
  command += '\0';
  for (size_t sent = 0; sent < command.size();) {
    const ssize_t n = ::write(to_browser_, command.data() + sent, command.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot send " + method + " (" + std::strerror(errno) + ")");
    sent += size_t(n);
  }
  const double deadline = now_seconds() + timeout_;
  for (;;) {
    io::JsonValue message = read_message(deadline, "to " + method);
    const io::JsonValue* answer_id = message.find("id");
    if (!answer_id) {
      handle_event(message);
      continue;
    }
    if (answer_id->integer != id) continue;  // a late answer to an abandoned call
    if (const io::JsonValue* error = message.find("error"))
      throw BrowserError("browser: " + method + " failed: " + string_of(*error, "message"));
    return member(message, "result");
  }
}

void Browser::handle_event(const io::JsonValue& message) {
  const std::string method = string_of(message, "method");
  const io::JsonValue& params = member(message, "params");
  seen_events_.push_back(method);
  if (method == "Network.requestWillBeSent") {
    requests_.push_back(string_of(member(params, "request"), "url"));
  } else if (method == "Runtime.consoleAPICalled" && string_of(params, "type") == "error") {
    std::string text = "console.error:";
    for (const io::JsonValue& arg : member(params, "args").array)
      text += " " + describe_argument(arg);
    console_errors_.push_back(text);
  } else if (method == "Runtime.exceptionThrown") {
    const io::JsonValue& details = member(params, "exceptionDetails");
    const std::string description = string_of(member(details, "exception"), "description");
    console_errors_.push_back("exception: " +
                              (description.empty() ? string_of(details, "text") : description));
  } else if (method == "Log.entryAdded") {
    const io::JsonValue& entry = member(params, "entry");
    if (string_of(entry, "level") == "error")
      console_errors_.push_back("log: " + string_of(entry, "text") + " (" +
                                string_of(entry, "url") + ")");
  }
}

void Browser::wait_for_event(const std::string& method, const std::string& waiting_for) {
  const double deadline = now_seconds() + timeout_;
  for (;;) {
    for (const std::string& seen : seen_events_)
      if (seen == method) return;
    io::JsonValue message = read_message(deadline, waiting_for);
    if (!message.find("id")) handle_event(message);
  }
}

void Browser::open_file(const std::string& path, const std::string& hash) {
  if (!std::filesystem::exists(path)) throw BrowserError("browser: no file " + path);
  requests_.clear();
  console_errors_.clear();
  seen_events_.clear();
  const std::string url = file_url(path) + (hash.empty() ? "" : "#" + hash);
  const io::JsonValue navigated = call("Page.navigate", R"({"url":)" + js_string(url) + "}");
  if (!string_of(navigated, "errorText").empty())
    throw BrowserError("browser: cannot open " + url + ": " + string_of(navigated, "errorText"));
  // Only the hash changed: the same document stays, and no load event comes.
  // Leave it for a blank page and come back, so every test starts from a
  // freshly loaded page.
  if (string_of(navigated, "loaderId").empty()) {
    call("Page.navigate", R"({"url":"about:blank"})");
    wait_for_event("Page.loadEventFired", "for the load event of about:blank");
    requests_.clear();
    console_errors_.clear();
    seen_events_.clear();
    call("Page.navigate", R"({"url":)" + js_string(url) + "}");
  }
  wait_for_event("Page.loadEventFired", "for the load event of " + url);
}

io::JsonValue Browser::evaluate(const std::string& expression) {
  const io::JsonValue answer =
      call("Runtime.evaluate", R"({"expression":)" + js_string(expression) +
                                   R"(,"returnByValue":true,"awaitPromise":true})");
  if (const io::JsonValue* details = answer.find("exceptionDetails")) {
    const std::string description = string_of(member(*details, "exception"), "description");
    throw BrowserError("browser: `" + expression + "` threw: " +
                       (description.empty() ? string_of(*details, "text") : description));
  }
  return member(member(answer, "result"), "value");
}

double Browser::evaluate_number(const std::string& expression) {
  const io::JsonValue value = evaluate(expression);
  if (value.is(io::JsonValue::Kind::Int)) return double(value.integer);
  if (value.is(io::JsonValue::Kind::Number)) return value.number;
  throw BrowserError("browser: `" + expression + "` is a " + io::json_kind_name(value.kind) +
                     ", not a number");
}

std::string Browser::evaluate_string(const std::string& expression) {
  const io::JsonValue value = evaluate(expression);
  if (!value.is(io::JsonValue::Kind::String))
    throw BrowserError("browser: `" + expression + "` is a " + io::json_kind_name(value.kind) +
                       ", not a string");
  return value.string;
}

bool Browser::evaluate_bool(const std::string& expression) {
  const io::JsonValue value = evaluate(expression);
  if (!value.is(io::JsonValue::Kind::Bool))
    throw BrowserError("browser: `" + expression + "` is a " + io::json_kind_name(value.kind) +
                       ", not true or false");
  return value.boolean;
}

void Browser::press_key(const std::string& key) {
  const int code = key == "ArrowLeft" ? 37 : key == "ArrowRight" ? 39 : 0;
  if (code == 0)
    throw BrowserError("browser: press_key knows ArrowLeft and ArrowRight, not " + key);
  for (const char* type : {"rawKeyDown", "keyUp"})
    call("Input.dispatchKeyEvent", R"({"type":")" + std::string(type) + R"(","key":")" + key +
                                       R"(","code":")" + key + R"(","windowsVirtualKeyCode":)" +
                                       std::to_string(code) + "}");
}

void Browser::click(double x, double y) {
  for (const char* type : {"mousePressed", "mouseReleased"})
    call("Input.dispatchMouseEvent", R"({"type":")" + std::string(type) + R"(","x":)" +
                                         std::to_string(x) + R"(,"y":)" + std::to_string(y) +
                                         R"(,"button":"left","clickCount":1})");
}

void Browser::set_viewport(int width, int height, bool mobile) {
  call("Emulation.setDeviceMetricsOverride",
       R"({"width":)" + std::to_string(width) + R"(,"height":)" + std::to_string(height) +
           R"(,"deviceScaleFactor":1,"mobile":)" + (mobile ? "true" : "false") + "}");
}

void Browser::screenshot(const std::string& png_path, bool full_page) {
  std::string params = R"({"format":"png")";
  if (full_page) {
    const io::JsonValue metrics = call("Page.getLayoutMetrics", "{}");
    const io::JsonValue& size = member(metrics, "cssContentSize");
    auto pixels = [&](const char* key) {
      const io::JsonValue& v = member(size, key);
      return std::to_string(int(v.is(io::JsonValue::Kind::Int) ? double(v.integer) : v.number));
    };
    const std::string height = std::to_string(std::min(3000, std::stoi(pixels("height"))));
    params += R"(,"captureBeyondViewport":true,"clip":{"x":0,"y":0,"width":)" + pixels("width") +
              R"(,"height":)" + height + R"(,"scale":1})";
  }
  const io::JsonValue shot = call("Page.captureScreenshot", params + "}");
  const std::vector<uint8_t> png = base64_decode(string_of(shot, "data"));
  if (png.size() < 8) fail("Page.captureScreenshot returned no image");
  std::filesystem::create_directories(std::filesystem::path(png_path).parent_path());
  io::write_file_atomic(png_path,
                        std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

}  // namespace ag::test
