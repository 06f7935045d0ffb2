// core.io, part 2: safetensors. Byte-exact against files written out by hand,
// exact round trips, PyTorch's other dtypes, and every malformed file.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/io/safetensors.h"
#include "tests/helpers/io_test_util.h"

using namespace ag;
using namespace ag::io;
using ag_test::bytes;

namespace {

Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  std::vector<float> values(static_cast<size_t>(numel_of(shape)));
  for (float& v : values) v = gen.normal();
  return from_vector(std::move(values), shape);
}

// A file from a header written by hand and raw data bytes.
std::string file_with(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

// A one-tensor header: {"a":{"dtype":D,"shape":S,"data_offsets":O}}
std::string one_entry(const std::string& dtype, const std::string& shape,
                      const std::string& offsets) {
  return "{\"a\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets +
         "}}";
}

SafetensorsFile decode(const std::string& file) {
  return decode_safetensors(file, "bad.safetensors");
}

}  // namespace

TEST_SUITE("core.io") {

TEST_CASE("safetensors: a tiny file matches bytes written by hand") {
  // {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes,
  // padded with 2 spaces to 56 = 0x38; then 1.0f = 0x3F800000 and
  // -2.0f = 0xC0000000, each little-endian.
  const std::string expected =
      bytes({0x38, 0, 0, 0, 0, 0, 0, 0}) +
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  " +
      bytes({0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0});
  CHECK(encode_safetensors({{"a", tensor({1.0f, -2.0f})}}) == expected);

  // With metadata and an I64 scalar: metadata comes first, the I64 tensor is
  // placed first in the data buffer. The header is 138 bytes, padded to 144 = 0x90.
  const std::string header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
      "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}      ";
  const std::string expected2 =
      bytes({0x90, 0, 0, 0, 0, 0, 0, 0}) + header +
      bytes({7, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0});
  CHECK(encode_safetensors({{"w", tensor({1.0f, -2.0f})}, {"n", scalar(7.0f)}}, {{"format", "pt"}},
                           {"n"}) == expected2);

  // And the reader reads the hand-written bytes.
  SafetensorsFile file = decode_safetensors(expected2);
  REQUIRE(file.tensors.size() == 2);
  CHECK(file.tensors[0].first == "w");
  CHECK(file.tensors[0].second.to_vector() == std::vector<float>{1.0f, -2.0f});
  CHECK(file.tensors[1].first == "n");
  CHECK(file.tensors[1].second.shape() == Shape{});
  CHECK(file.tensors[1].second.item() == 7.0f);
  CHECK(file.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  CHECK(file.dtypes == std::map<std::string, std::string>{{"w", "F32"}, {"n", "I64"}});
}

TEST_CASE("safetensors: round trips through a file are exact") {
  ag_test::TempDir dir;
  TensorMap tensors;
  const std::vector<Shape> shapes = {{}, {0}, {3}, {2, 3}, {2, 0, 4}, {2, 3, 4, 5}, {1, 1, 1}};
  for (size_t i = 0; i < shapes.size(); ++i)
    tensors.emplace_back("layer" + std::to_string(i) + ".weight",
                         random_tensor(shapes[i], 100 + i));
  // Special values must survive bit for bit.
  tensors.emplace_back("special", tensor({0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, 3.4e38f}));
  tensors.emplace_back("bn.num_batches_tracked", scalar(123456.0f));
  tensors.emplace_back("caf\xC3\xA9 \"quoted\"\n", tensor({5.0f}));  // names are JSON-escaped

  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, tensors, {{"format", "pt"}, {"note", "line\nbreak"}},
                   {"bn.num_batches_tracked"});
  SafetensorsFile file = load_safetensors_file(path);
  REQUIRE(file.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    INFO(tensors[i].first);
    CHECK(file.tensors[i].first == tensors[i].first);
    CHECK(ag_test::bit_equal(file.tensors[i].second, tensors[i].second));
  }
  CHECK(file.metadata.at("note") == "line\nbreak");
  CHECK(file.dtypes.at("bn.num_batches_tracked") == "I64");
  CHECK(file.dtypes.at("layer3.weight") == "F32");
  CHECK(load_safetensors(path).size() == tensors.size());
  CHECK(dir.temp_files() == 0);

  // An empty state dict is a valid file too: header "{}" padded to 8.
  CHECK(encode_safetensors({}) == bytes({8, 0, 0, 0, 0, 0, 0, 0}) + "{}      ");
  CHECK(decode_safetensors(encode_safetensors({})).tensors.empty());
}

TEST_CASE("safetensors: PyTorch's other dtypes are converted to float") {
  // Each row: dtype, its bytes by hand, the floats they mean.
  struct Case {
    const char* dtype;
    std::string data;
    std::vector<float> values;
  };
  const Case cases[] = {
      // 0.5 = 0x3FE0000000000000, -3 = 0xC008000000000000
      {"F64", bytes({0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0, 0, 0, 0, 0, 0, 0x08, 0xC0}), {0.5f, -3.0f}},
      // half: 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24 (smallest subnormal), 0x7C00 = inf
      {"F16",
       bytes({0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C}),
       {1.0f, -2.0f, 5.9604644775390625e-8f, INFINITY}},
      // bfloat16: 0x3F80 = 1, 0x4049 = 3.140625, 0xC2F7 = -123.5
      {"BF16", bytes({0x80, 0x3F, 0x49, 0x40, 0xF7, 0xC2}), {1.0f, 3.140625f, -123.5f}},
      // int64: -5 and 2^40
      {"I64",
       bytes({0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}),
       {-5.0f, 1099511627776.0f}},
      {"I32", bytes({0x07, 0, 0, 0, 0xF9, 0xFF, 0xFF, 0xFF}), {7.0f, -7.0f}},
      {"I16", bytes({0x00, 0x80}), {-32768.0f}},
      {"I8", bytes({0x80, 0x7F}), {-128.0f, 127.0f}},
      {"U8", bytes({0, 255}), {0.0f, 255.0f}},
      {"U16", bytes({0xFF, 0xFF}), {65535.0f}},
      {"U32", bytes({0, 0, 0, 0x80}), {2147483648.0f}},
      {"U64", bytes({0, 0, 0, 0, 0, 0, 0, 0x80}), {9223372036854775808.0f}},
      {"BOOL", bytes({0, 1, 2}), {0.0f, 1.0f, 1.0f}},
  };
  for (const Case& c : cases) {
    INFO(c.dtype);
    const std::string shape = std::string("[") + std::to_string(c.values.size()) + "]";
    const std::string offsets = std::string("[0,") + std::to_string(c.data.size()) + "]";
    SafetensorsFile file =
        decode_safetensors(file_with(one_entry(c.dtype, shape, offsets), c.data));
    CHECK(file.tensors.at(0).second.to_vector() == c.values);
    CHECK(file.dtypes.at("a") == c.dtype);
  }
  // F16 NaN: check by property (NaN != NaN).
  Tensor nan16 =
      decode_safetensors(file_with(one_entry("F16", "[1]", "[0,2]"), bytes({0x01, 0x7E})))
          .tensors[0]
          .second;
  CHECK(std::isnan(nan16.item()));
}

// A header of F32 tensors named by `entries`: {name, shape, begin, end}.
std::string header_of(const std::vector<std::tuple<std::string, std::string, int, int>>& entries) {
  std::string header = "{";
  for (const auto& [name, shape, begin, end] : entries)
    header += (header.size() > 1 ? "," : "") +
              ("\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
               std::to_string(begin) + "," + std::to_string(end) + "]}");
  return header + "}";
}

TEST_CASE("safetensors: offsets in any order, but they must tile the data buffer") {
  const std::string data =
      bytes({0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40});  // 1.0f, 2.0f, 3.0f
  // Out of order in the header, and a zero-size tensor on a boundary: fine.
  SafetensorsFile file = decode(file_with(
      header_of({{"late", "[1]", 8, 12}, {"empty", "[0]", 8, 8}, {"early", "[2]", 0, 8}}), data));
  REQUIRE(file.tensors.size() == 3);
  CHECK(file.tensors[0].first == "late");  // the header's order is kept
  CHECK(file.tensors[0].second.to_vector() == std::vector<float>{3.0f});
  CHECK(file.tensors[1].second.shape() == Shape{0});
  CHECK(file.tensors[2].second.to_vector() == std::vector<float>{1.0f, 2.0f});

  // Overlap: [0, 8] and [4, 12] share the bytes 4..8 (this loaded before).
  const std::string prefix = "load_safetensors: 'bad.safetensors': ";
  CHECK_THROWS_WITH_AS(
      decode(file_with(header_of({{"b", "[2]", 4, 12}, {"a", "[2]", 0, 8}}), data)),
      (prefix + "tensors \"a\" data_offsets [0, 8] and \"b\" data_offsets [4, 12] overlap (each "
                "byte of the data buffer belongs to one tensor)")
          .c_str(),
      Error);
  // The same range twice, and a zero-size tensor inside another, overlap too.
  CHECK_FAILS_WITH(
      decode(file_with(
          header_of(
              {{"a", "[1]", 0, 4}, {"b", "[1]", 0, 4}, {"c", "[1]", 4, 8}, {"d", "[1]", 8, 12}}),
          data)),
      "tensors \"a\" data_offsets [0, 4] and \"b\" data_offsets [0, 4] overlap");
  CHECK_FAILS_WITH(decode(file_with(header_of({{"a", "[3]", 0, 12}, {"z", "[0]", 4, 4}}), data)),
                   "tensors \"a\" data_offsets [0, 12] and \"z\" data_offsets [4, 4] overlap");
  // A gap between two tensors, and one before the first.
  CHECK_THROWS_WITH_AS(
      decode(file_with(header_of({{"a", "[1]", 0, 4}, {"b", "[1]", 8, 12}}), data)),
      (prefix + "bytes [4, 8) of the data buffer belong to no tensor: \"a\" data_offsets [0, 4] "
                "ends there and \"b\" data_offsets [8, 12] begins after the gap")
          .c_str(),
      Error);
  CHECK_FAILS_WITH(
      decode(file_with(header_of({{"b", "[2]", 4, 12}}), data)),
      "bytes [0, 4) of the data buffer belong to no tensor: the first, \"b\" data_offsets [4, 12], "
      "does not begin at 0");
  // Bytes after the last tensor: the old message, still.
  CHECK_FAILS_WITH(decode(file_with(header_of({{"a", "[2]", 0, 8}}), data)),
                   "trailing garbage: 4 bytes after the last tensor's data (data buffer is 12 "
                   "bytes, tensors use 8)");
}

TEST_CASE("safetensors: every malformed file names the file and the problem") {
  const std::string prefix = "load_safetensors: 'bad.safetensors': ";
  const std::string eight_bytes(8, '\0');
  CHECK_FAILS_WITH(decode(std::string(5, '\0')),
                   prefix + "file is 5 bytes, too short for the 8-byte header length");
  CHECK_FAILS_WITH(decode(bytes({0xE8, 0x03, 0, 0, 0, 0, 0, 0}) + std::string(12, ' ')),
                   prefix + "header length 1000 goes past the end of the file (20 bytes)");
  CHECK_FAILS_WITH(decode(std::string(8, '\xFF') + "{}"),
                   "header length 18446744073709551615 goes past the end of the file (10 bytes)");
  CHECK_FAILS_WITH(decode(file_with("{\"a\":", "")),
                   prefix +
                       "header is not valid JSON: json: unexpected end of input, expected a value "
                       "at byte 5 of the header");
  CHECK_FAILS_WITH(decode(file_with("[]", "")), prefix + "header must be a JSON object, got array");
  CHECK_FAILS_WITH(decode(file_with("{\"a\":[]}", "")),
                   "tensor \"a\" must be an object, got array");
  CHECK_FAILS_WITH(
      decode(file_with("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", eight_bytes.substr(4))),
      prefix + "tensor \"a\" has no \"dtype\"");
  CHECK_FAILS_WITH(decode(file_with("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}",
                                    eight_bytes.substr(4))),
                   "tensor \"a\" has no \"shape\"");
  CHECK_FAILS_WITH(
      decode(file_with("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", eight_bytes.substr(4))),
      "tensor \"a\" has no \"data_offsets\"");
  CHECK_FAILS_WITH(
      decode(file_with("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", "")),
      "tensor \"a\": \"dtype\" must be string, got integer");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F8_E4M3", "[1]", "[0,1]"), "x")),
                   prefix + "tensor \"a\": unsupported dtype 'F8_E4M3'");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[-1]", "[0,4]"), "abcd")),
                   "tensor \"a\": \"shape\" must hold non-negative integers, got [-1]");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[2.5]", "[0,4]"), "abcd")),
                   "\"shape\" must hold non-negative integers, got [2.5]");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "{}", "[0,4]"), "abcd")),
                   "tensor \"a\": \"shape\" must be array, got object");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[1]", "[0,4,8]"), "abcd")),
                   "\"data_offsets\" must be [begin, end], got [0,4,8]");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[1]", "[8,4]"), eight_bytes)),
                   "data_offsets [8, 4] end before they begin");
  CHECK_FAILS_WITH(
      decode(file_with(one_entry("F32", "[2]", "[0,4]"), "abcd")),
      prefix + "tensor \"a\": data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8");
  CHECK_FAILS_WITH(
      decode(file_with(one_entry("F32", "[2]", "[8,16]"), eight_bytes)),
      "tensor \"a\": data_offsets [8, 16] go past the end of the data buffer (8 bytes)");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[4611686018427387904,4]", "[0,4]"), "abcd")),
                   "tensor \"a\": shape [4611686018427387904, 4] is too large");
  CHECK_FAILS_WITH(
      decode(
          file_with(one_entry("F32", "[0,4611686018427387904,4611686018427387904]", "[0,0]"), "")),
      prefix + "tensor \"a\": shape [0, 4611686018427387904, 4611686018427387904] is too large");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[1]", "[0,99999999999999999999]"), "abcd")),
                   "\"data_offsets\" must hold non-negative integers, got [0,1e+20]");
  CHECK_FAILS_WITH(
      decode(file_with("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                       "abcd")),
      "duplicate key \"a\"");
  CHECK_FAILS_WITH(decode(file_with(one_entry("F32", "[1]", "[0,4]"), "abcdxyz")),
                   prefix +
                       "trailing garbage: 3 bytes after the last tensor's data (data buffer is 7 "
                       "bytes, tensors use 4)");
  CHECK_FAILS_WITH(decode(file_with("{\"__metadata__\":[]}", "")),
                   "\"__metadata__\" must be an object of strings, got array");
  CHECK_FAILS_WITH(decode(file_with("{\"__metadata__\":{\"epoch\":3}}", "")),
                   "\"__metadata__\" value of \"epoch\" must be a string, got integer");
  CHECK_FAILS_WITH(decode(file_with("{}" + std::string(1, '\0'), "")), "header is not valid JSON");
}

TEST_CASE("safetensors: bad arguments to save are caught before writing") {
  CHECK_FAILS_WITH(encode_safetensors({{"a", scalar(1)}, {"a", scalar(2)}}),
                   "save_safetensors: duplicate tensor name \"a\"");
  CHECK_FAILS_WITH(encode_safetensors({{"__metadata__", scalar(1)}}),
                   "cannot be named \"__metadata__\"");
  CHECK_FAILS_WITH(encode_safetensors({{"a", Tensor()}}), "tensor \"a\" is undefined");
  CHECK_FAILS_WITH(encode_safetensors({{"a", scalar(1)}}, {}, {"b"}),
                   "int64 name \"b\" is not among the tensors");
  CHECK_FAILS_WITH(encode_safetensors({{"n", tensor({1.0f, 2.5f})}}, {}, {"n"}),
                   "save_safetensors: tensor \"n\" [2] cannot be stored as I64: element 1 is 2.5, "
                   "not a whole number");
  CHECK_FAILS_WITH(encode_safetensors({{"n", scalar(1e19f)}}, {}, {"n"}),
                   "not a whole number in int64 range");
  CHECK_FAILS_WITH(encode_safetensors({{"n", scalar(NAN)}}, {}, {"n"}), "cannot be stored as I64");
  CHECK_FAILS_WITH(encode_safetensors({{"bad\xFF", scalar(1)}}), "not valid UTF-8");
}

TEST_CASE("safetensors: truncated and corrupted files throw, never crash") {
  TensorMap tensors = {
      {"a", random_tensor({3, 4}, 1)}, {"b", scalar(2)}, {"c", random_tensor({0, 5}, 2)}};
  const std::string good = encode_safetensors(tensors, {{"k", "v"}}, {"b"});
  for (size_t n = 0; n < good.size(); ++n) {
    // An exact-size heap copy, so ASan would see any read past the prefix.
    std::unique_ptr<char[]> prefix(new char[n + 1]);
    std::memcpy(prefix.get(), good.data(), n);
    INFO("prefix of " << n << " bytes");
    CHECK(ag_test::error_of([&] { decode_safetensors(std::string_view(prefix.get(), n)); }) !=
          "<no error>");
  }
  // Overwrite each header byte with a few troublemakers: either it still
  // parses or it throws ag::Error (anything else fails the test).
  const size_t header_end = 8 + static_cast<unsigned char>(good[0]) +
                            256 * static_cast<size_t>(static_cast<unsigned char>(good[1]));
  int rejected = 0;
  for (size_t i = 0; i < header_end; ++i)
    for (char c : {'\0', '\xFF', '{', '"', '9', '-', ','}) {
      std::string bad = good;
      bad[i] = c;
      if (ag_test::error_of([&] { decode_safetensors(bad); }) != "<no error>") ++rejected;
    }
  CHECK(rejected > 0);
}

}  // TEST_SUITE("core.io")
