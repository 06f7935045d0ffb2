// tutorials/common/present.cpp: headings, paragraphs, labelled matrices.
#include "tutorials/common/present.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/json.h"
#include "core/io/npy.h"
#include "core/print.h"
#include "tutorials/common/heatmap.h"

namespace tut {

namespace io = ag::io;

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count bytes that start a code point
  return w;
}

std::string fmt(float value, int decimals) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(value));
  return buf;
}

namespace {

// What --save has written so far (the program is single-threaded).
struct SaveState {
  std::string dir;
  std::string heading;  // the last heading shown: each entry records its step
  io::JsonValue steps = io::JsonValue::make_array();
};
SaveState& save_state() {
  static SaveState state;
  return state;
}

io::JsonValue string_array(const Labels& labels) {
  io::JsonValue a = io::JsonValue::make_array();
  for (const std::string& l : labels) a.array.push_back(io::JsonValue::make_string(l));
  return a;
}

}  // namespace

namespace {

// The options given on the command line, flag -> value (single-threaded program).
std::map<std::string, std::string>& given_options() {
  static std::map<std::string, std::string> given;
  return given;
}

[[noreturn]] void usage(const char* program, const std::vector<TutorialOption>& options) {
  std::cerr << "usage: " << program << " [--save DIR]";
  for (const TutorialOption& o : options) std::cerr << " [" << o.flag << " " << o.value_name << "]";
  std::cerr << "\n  --save DIR   also write every labelled matrix to DIR/NNN_<label>.npy, "
               "indexed in DIR/steps.json\n";
  for (const TutorialOption& o : options)
    std::cerr << "  " << o.flag << " " << o.value_name << "   " << o.help << "\n";
  std::exit(2);
}

}  // namespace

void parse_tutorial_args(int argc, char** argv, const std::vector<TutorialOption>& options) {
  given_options().clear();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool known = false;
    for (const TutorialOption& o : options) known = known || o.flag == arg;
    if (arg == "--save" && i + 1 < argc)
      set_save_dir(argv[++i]);
    else if (known && i + 1 < argc)
      given_options()[arg] = argv[++i];
    else
      usage(argv[0], options);
  }
}

bool option_given(const std::string& flag) { return given_options().count(flag) > 0; }

std::string option_text(const std::string& flag, const std::string& fallback) {
  auto it = given_options().find(flag);
  return it == given_options().end() ? fallback : it->second;
}

int64_t option_int(const std::string& flag, int64_t fallback) {
  const std::string text = option_text(flag, "");
  if (text.empty()) return fallback;
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) ag::fail(flag, ": expected a whole number, got '", text, "'");
  return value;
}

float option_float(const std::string& flag, float fallback) {
  const std::string text = option_text(flag, "");
  if (text.empty()) return fallback;
  size_t used = 0;
  float value = 0;
  try {
    value = std::stof(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) ag::fail(flag, ": expected a number, got '", text, "'");
  return value;
}

int run_tutorial(int argc, char** argv, const std::vector<TutorialOption>& options,
                 const std::string& advice, void (*body)()) {
  parse_tutorial_args(argc, argv, options);
  int status = 0;
  try {
    body();
  } catch (const ag::Error& e) {
    std::cout.flush();
    std::cout << "\nThe tutorial stops here:\n  " << e.what() << "\n";
    say(advice);
    status = 1;
  }
  if (!save_dir().empty())
    std::cout << "\nsaved " << saved_file_count() << " files to " << save_dir() << "\n";
  std::cout.flush();
  return status;
}

size_t saved_file_count() {
  const size_t tensors = save_state().steps.array.size();
  return tensors + (tensors > 0 ? 1 : 0);  // the .npy files and steps.json
}

const std::string& save_dir() { return save_state().dir; }

void set_save_dir(const std::string& dir) {
  SaveState& state = save_state();
  state.dir = dir;
  state.steps = io::JsonValue::make_array();
  if (!dir.empty()) std::filesystem::create_directories(dir);
}

std::string label_slug(const std::string& label) {
  std::string slug;
  for (unsigned char c : label) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (keep)
      slug += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    else if (!slug.empty() && slug.back() != '_')
      slug += '_';  // spaces, punctuation and non-ASCII letters all become one '_'
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  if (slug.size() > 48) slug.resize(48);
  return slug.empty() ? "tensor" : slug;
}

void save_tensor(const std::string& label, const ag::Tensor& t, const Labels& rows,
                 const Labels& cols) {
  SaveState& state = save_state();
  if (state.dir.empty()) return;
  char number[16];
  std::snprintf(number, sizeof number, "%03zu_", state.steps.array.size() + 1);
  const std::string file = number + label_slug(label) + ".npy";
  io::save_npy(state.dir + "/" + file, t.detach());
  io::JsonValue shape = io::JsonValue::make_array();
  for (int64_t d : t.shape()) shape.array.push_back(io::JsonValue::make_int(d));
  io::JsonValue entry = io::JsonValue::make_object();
  entry.add("file", io::JsonValue::make_string(file))
      .add("label", io::JsonValue::make_string(label))
      .add("step", io::JsonValue::make_string(state.heading))
      .add("shape", shape)
      .add("rows", string_array(rows))
      .add("cols", string_array(cols));
  state.steps.array.push_back(entry);
  // Rewritten whole after every tensor: a run stopped halfway leaves a valid index.
  io::write_file_atomic(state.dir + "/steps.json", io::write_json(state.steps) + "\n");
}

void heading(const std::string& title) {
  save_state().heading = title;
  std::cout << "\n" << title << "\n" << std::string(display_width(title), '-') << "\n";
}

void say(const std::string& text) { say_hanging(text, 0); }

void say_hanging(const std::string& text, size_t hang) {
  // Greedy word wrap; a blank line in the text stays a paragraph break.
  const size_t width = 78;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, out;
    while (words >> word) {
      if (!out.empty() && display_width(out) + 1 + display_width(word) > width) {
        std::cout << out << "\n";
        out = std::string(hang, ' ');
      }
      out += (out.empty() || out.back() == ' ' ? "" : " ") + word;
    }
    std::cout << out << "\n";
  }
}

// The values as printed: one that rounds to zero shows as 0.0000, not -0.0000
// (display only: --save keeps the exact values).
ag::Tensor displayed(const ag::Tensor& m, const ag::Shape& shape) {
  std::vector<float> values = m.to_vector();
  for (float& v : values)
    if (std::fabs(v) < 5e-5f) v = 0.0f;
  return ag::from_vector(values, shape);
}

void show_matrix(const std::string& name, const ag::Tensor& m, const Labels& rows,
                 const Labels& cols) {
  std::cout << "\n" << name << "\n" << ag::format_matrix(displayed(m, m.shape()), rows, cols, 4);
  save_tensor(name, m, rows, cols);
}

void show_vector(const std::string& name, const ag::Tensor& v, const Labels& cols) {
  // Shown as one row; saved with its own 1-D shape.
  std::cout << "\n"
            << name << "\n"
            << ag::format_matrix(displayed(v, {1, v.numel()}), {""}, cols, 4);
  save_tensor(name, v, {}, cols);
}

void show_heatmap(const std::string& name, const ag::Tensor& weights, const Labels& rows,
                  const Labels& cols, const std::string& file_stem, const std::string& row_title,
                  const std::string& col_title) {
  std::cout << "\n"
            << name << " (shaded)\n"
            << shade_heatmap(weights, rows, cols) << shade_legend(weights) << "\n";
  std::cout << "  picture with numbers: "
            << write_heatmap_svg(weights, rows, cols, name, file_stem, -1, -1, row_title, col_title)
            << "\n";
}

void what_to_try(const std::vector<std::string>& ideas) {
  heading("What to try next");
  for (const std::string& idea : ideas) say_hanging("* " + idea, 2);
}

}  // namespace tut
