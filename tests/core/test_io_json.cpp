// core.io, part 1: the JSON reader/writer and atomic file writes.
// (Safetensors and .npy are in test_io.cpp and test_io_npy.cpp.)
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>

#include <filesystem>
#include <fstream>

#include "core/io/atomic_file.h"
#include "core/io/json.h"
#include "core/io/npy.h"
#include "core/io/safetensors.h"
#include "tests/helpers/io_test_util.h"

using namespace ag;
using namespace ag::io;
using ag_test::error_of;
using Kind = JsonValue::Kind;

TEST_SUITE("core.io") {

TEST_CASE("json: values, nesting and member order") {
  JsonValue v = parse_json(
      " {\"b\": [1, -2, 3.5, true, false, null, \"x\"],\n \"a\": {\"c\": {}, \"d\": []}} ");
  REQUIRE(v.is(Kind::Object));
  REQUIRE(v.object.size() == 2);
  CHECK(v.object[0].key == "b");  // text order, not sorted
  CHECK(v.object[1].key == "a");
  const JsonValue& b = *v.find("b");
  REQUIRE(b.array.size() == 7);
  CHECK((b.array[0].is(Kind::Int) && b.array[0].integer == 1));
  CHECK((b.array[1].is(Kind::Int) && b.array[1].integer == -2));
  CHECK((b.array[2].is(Kind::Number) && b.array[2].number == 3.5));
  CHECK((b.array[3].is(Kind::Bool) && b.array[3].boolean));
  CHECK((b.array[4].is(Kind::Bool) && !b.array[4].boolean));
  CHECK(b.array[5].is(Kind::Null));
  CHECK((b.array[6].is(Kind::String) && b.array[6].string == "x"));
  CHECK(v.find("a")->find("c")->is(Kind::Object));
  CHECK(v.find("a")->find("d")->array.empty());
  CHECK(v.find("zz") == nullptr);
}

TEST_CASE("json: integers stay exact, larger numbers become doubles") {
  CHECK(parse_json("9223372036854775807").integer == INT64_MAX);
  CHECK(parse_json("-9223372036854775808").integer == INT64_MIN);
  JsonValue big = parse_json("9223372036854775808");  // 2^63: no longer an int64
  CHECK((big.is(Kind::Number) && big.number == 9223372036854775808.0));
  CHECK((parse_json("1e2").is(Kind::Number) && parse_json("1e2").number == 100.0));
  CHECK(parse_json("-0.25E-2").number == -0.0025);
  CHECK(parse_json("0").integer == 0);
}

TEST_CASE("json: string escapes and UTF-8") {
  // \u00e9 is é (C3 A9 in UTF-8), \u20ac is € (E2 82 AC), and the surrogate
  // pair \ud83d\ude00 is U+1F600 (F0 9F 98 80).
  JsonValue s = parse_json(R"("q\"b\\s\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00")");
  CHECK(s.string == "q\"b\\s/\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(parse_json("\"caf\xC3\xA9\"").string == "caf\xC3\xA9");  // raw UTF-8 passes through
  CHECK(parse_json(R"("\u0000")").string == std::string(1, '\0'));
}

TEST_CASE("json: every malformed input names the problem and the byte") {
  struct Bad {
    std::string text, message;
  };
  const Bad cases[] = {
      {"", "unexpected end of input, expected a value at byte 0"},
      {"[1,]", "unexpected character ']' at byte 3"},
      {"{\"a\" 1}", "expected ':' after object key at byte 5"},
      {"{\"a\":1 \"b\":2}", "expected '}' or ',' after object member at byte 7"},
      {"{1:2}", "expected a string key in object at byte 1"},
      {"{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7"},
      {"[1 2]", "expected ']' or ',' after array element at byte 3"},
      {"01", "leading zero in number at byte 1"},
      {"1.", "expected a digit after '.' in number at byte 2"},
      {"1e+", "expected a digit in exponent at byte 3"},
      {"-", "expected a digit in number at byte 1"},
      {"+1", "unexpected character '+' at byte 0"},
      {"1e400", "number out of range at byte 0"},
      {"NaN", "unexpected character 'N' at byte 0"},
      {"tru", "invalid literal (expected true) at byte 0"},
      {"\"abc", "unterminated string at byte 4"},
      {"\"\\x\"", "invalid escape '\\x' in string at byte 2"},
      {"\"\\u12G4\"", "invalid hex digit in \\u escape at byte 5"},
      {"\"\\u12\"", "truncated \\u escape at byte 3"},
      {"\"\\ud800\"", "high surrogate not followed by a \\u low surrogate at byte 7"},
      {"\"\\ud800\\u0041\"", "high surrogate not followed by a low surrogate at byte 13"},
      {"\"\\udc00\"", "unpaired low surrogate in \\u escape at byte 7"},
      {"\"a\x01\"", "raw control character in string (must be escaped) at byte 2"},
      {"\"\xC0\x80\"", "invalid UTF-8 in string at byte 1"},      // overlong NUL
      {"\"\xED\xA0\x80\"", "invalid UTF-8 in string at byte 1"},  // encoded surrogate
      {"\"\xE2\x82\"", "invalid UTF-8 in string at byte 1"},      // truncated €
      {"[1] x", "unexpected text after the JSON value at byte 4"},
  };
  for (const Bad& bad : cases) {
    INFO("input: " << bad.text);
    CHECK_FAILS_WITH(parse_json(bad.text), "json: " + bad.message);
  }
}

TEST_CASE("json: the depth limit stops hostile nesting") {
  std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(parse_json(ok).is(Kind::Array));
  std::string deep = std::string(65, '[') + std::string(65, ']');
  CHECK_FAILS_WITH(parse_json(deep), "json: nesting deeper than 64 at byte 64");
  // Far deeper than any stack would survive without the limit.
  CHECK_FAILS_WITH(parse_json(std::string(1000000, '[')), "nesting deeper than 64");
  CHECK_FAILS_WITH(parse_json("[[[1]]]", 2), "nesting deeper than 2 at byte 2");
}

TEST_CASE("json: writer output is exact, compact and reads back") {
  JsonValue v = JsonValue::make_object();
  v.add("k", JsonValue::make_string("a\"b\\c\n\x01\xC3\xA9"))
      .add("n", JsonValue::make_array({JsonValue::make_int(1), JsonValue::make_int(-2),
                                       JsonValue::make_number(0.5), JsonValue::make_bool(true),
                                       JsonValue::make_null()}))
      .add("e", JsonValue::make_object());
  const std::string text = write_json(v);
  CHECK(text == "{\"k\":\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\",\"n\":[1,-2,0.5,true,null],\"e\":{}}");
  JsonValue back = parse_json(text);
  CHECK(back.find("k")->string == v.find("k")->string);
  CHECK(write_json(back) == text);
  CHECK(write_json(JsonValue::make_number(0.1)) == "0.1");  // shortest text that reads back
  CHECK(parse_json(write_json(JsonValue::make_number(1.0 / 3.0))).number == 1.0 / 3.0);

  CHECK_FAILS_WITH(write_json(JsonValue::make_number(NAN)), "JSON has no NaN or infinity");
  CHECK_FAILS_WITH(write_json(JsonValue::make_string("\xFF")), "not valid UTF-8");
  JsonValue not_object = JsonValue::make_int(3);
  CHECK_FAILS_WITH(not_object.add("x", JsonValue::make_null()),
                   "json: add(\"x\") on a value of kind integer (needs an object)");
}

TEST_CASE("json: a double written and read back is the same double, never an integer") {
  // -0.0 used to be written "-0" (read back: the integer 0), 1.0 as "1".
  for (double d : {-0.0, 0.0, 1.0, -3.0, 100.0, 1e30, -1e-300, 123456789012345678.0, 0.1, 2.5e15}) {
    CAPTURE(d);
    const std::string text = write_json(JsonValue::make_number(d));
    const JsonValue back = parse_json(text);
    CHECK(back.is(Kind::Number));
    CHECK(back.number == d);
    CHECK(std::signbit(back.number) == std::signbit(d));
    CHECK(write_json(back) == text);
  }
  CHECK(write_json(JsonValue::make_number(-0.0)) == "-0.0");
  CHECK(write_json(JsonValue::make_number(1.0)) == "1.0");
  CHECK(write_json(JsonValue::make_number(1e30)) == "1e+30");
  // Integers stay integers.
  for (int64_t i : {int64_t{0}, int64_t{-7}, INT64_MAX, INT64_MIN}) {
    const JsonValue back = parse_json(write_json(JsonValue::make_int(i)));
    CHECK((back.is(Kind::Int) && back.integer == i));
  }
}

TEST_CASE("json: a check sees each value's path before its contents") {
  std::vector<std::string> seen;
  JsonLimits limits;
  limits.check = [&](const JsonPath& path, Kind kind) {
    std::string where;
    for (const JsonStep& step : path) {
      if (step.index >= 0)
        where.append("[").append(std::to_string(step.index)).append("]");
      else
        where.append(".").append(step.key);
    }
    seen.push_back(where + "=" + json_kind_name(kind));
    if (where == ".b[1]") fail("no second element in b");
  };
  CHECK(parse_json(R"({"a":{"x":true},"c":null})", limits).is(Kind::Object));
  CHECK(seen == std::vector<std::string>{"=object", ".a=object", ".a.x=bool", ".c=null"});
  CHECK_FAILS_WITH(parse_json(R"({"b":[1,[2,3]]})", limits),
                   "json: no second element in b at byte 8");
  // Many keys: the duplicate check is a set, not a scan per key.
  std::string wide = "{";
  for (int i = 0; i < 200000; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  CHECK(parse_json(wide + "}").object.size() == 200000);
  CHECK_FAILS_WITH(parse_json(wide + ",\"k7\":1}"), "duplicate key \"k7\"");
}

// ---------------------------------------------------------------- atomic writes
namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST_CASE("atomic write: creates, replaces, and leaves no temp file") {
  ag_test::TempDir dir;
  const std::string path = dir.file("model.bin");
  write_file_atomic(path, "first");
  CHECK(slurp(path) == "first");
  write_file_atomic(path, std::string("se\0cond", 7));
  CHECK(slurp(path) == std::string("se\0cond", 7));
  CHECK(read_file(path) == std::string("se\0cond", 7));
  write_file_atomic(path, "");
  CHECK(read_file(path).empty());
  CHECK(dir.temp_files() == 0);
  CHECK(atomic_temp_path(path) == path + ".tmp." + std::to_string(::getpid()));
}

TEST_CASE("atomic write: a failure leaves the old file intact and no temp file") {
  ag_test::TempDir dir;
  const std::string path = dir.file("weights.safetensors");
  write_file_atomic(path, "old contents");

  SUBCASE("the temp file cannot be created") {
    // A directory squatting on the temp name makes open() fail, even for root.
    std::filesystem::create_directory(atomic_temp_path(path));
    CHECK_FAILS_WITH(write_file_atomic(path, "new"),
                     "write_file_atomic: cannot create temporary file '" + atomic_temp_path(path) +
                         "': Is a directory");
    CHECK(slurp(path) == "old contents");
    std::filesystem::remove(atomic_temp_path(path));
  }
  SUBCASE("the rename fails (the target is a non-empty directory)") {
    const std::string target = dir.file("a_directory");
    std::filesystem::create_directory(target);
    write_file_atomic(target + "/inside", "keep me");
    std::string msg = error_of([&] { write_file_atomic(target, "new"); });
    CHECK(msg.find("cannot rename the temporary file over '" + target + "'") != std::string::npos);
    CHECK(std::filesystem::is_directory(target));
    CHECK(slurp(target + "/inside") == "keep me");
  }
  SUBCASE("the target directory does not exist") {
    CHECK_FAILS_WITH(
        write_file_atomic(dir.file("missing/dir/x.bin"), "new"),
        "missing/dir/x.bin.tmp." + std::to_string(::getpid()) + "': No such file or directory");
    CHECK(!std::filesystem::exists(dir.file("missing")));
  }
  SUBCASE("the encoder rejects the tensors before the file is touched") {
    TensorMap bad = {{"num_batches_tracked", scalar(2.5f)}};
    CHECK_FAILS_WITH(save_safetensors(path, bad, {}, {"num_batches_tracked"}),
                     "cannot be stored as I64");
    CHECK(slurp(path) == "old contents");
  }
  SUBCASE("the directory is read-only (skipped as root, who may write anyway)") {
    if (::geteuid() != 0) {
      REQUIRE(::chmod(dir.path.c_str(), 0500) == 0);
      CHECK_FAILS_WITH(save_npy(path, scalar(1.0f)), "Permission denied");
      REQUIRE(::chmod(dir.path.c_str(), 0700) == 0);
      CHECK(slurp(path) == "old contents");
    }
  }
  CHECK(dir.temp_files() == 0);
  CHECK(slurp(path) == "old contents");
}

TEST_CASE("atomic write: a dead process's temp file is removed by the next save") {
  ag_test::TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  // A pid that is certainly dead: a child that has exited and been reaped.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  const std::string dead = path + ".tmp." + std::to_string(child);
  const std::string live = path + ".tmp.1";  // pid 1 is always alive
  const std::string other = dir.file("other.bin.tmp.") + std::to_string(child);  // another file's
  const std::string not_ours = path + ".tmp.12ab";                               // not our pattern
  for (const std::string& f : {dead, live, other, not_ours}) write_file_atomic(f, "partial");
  write_file_atomic(path, "new");
  CHECK(slurp(path) == "new");
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(live));
  CHECK(std::filesystem::exists(other));
  CHECK(std::filesystem::exists(not_ours));
}

TEST_CASE("read_file: missing files and directories are clear errors") {
  ag_test::TempDir dir;
  CHECK_FAILS_WITH(
      read_file(dir.file("nope.npy")),
      "read_file: cannot open '" + dir.file("nope.npy") + "': No such file or directory");
  CHECK_FAILS_WITH(read_file(dir.path),
                   "read_file: cannot read '" + dir.path + "': Is a directory");
  CHECK_FAILS_WITH(load_safetensors(dir.file("nope.safetensors")), "No such file or directory");
  CHECK_FAILS_WITH(load_npy(dir.file("nope.npy")), "No such file or directory");
}

}  // TEST_SUITE("core.io")
