// tests/data/test_hostile_files.cpp: small files built to cost a lot.
//
// Each file is built here in memory, then read with the peak memory measured
// around the call (tests/helpers/memory_test_util.h): it must be refused with an
// error naming the file and the limit, having taken only a few megabytes.
// Before the limits, the safetensors header below took 1.7 GB and the gzip
// bombs as much as they expand to (1 GB and more); so did the files whose cost
// is in their count (140,000 tensors, 1,000 gzip members) and an IDX header
// that set its own limit.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/io/json.h"
#include "core/io/safetensors.h"
#include "data/cifar.h"
#include "data/idx.h"
#include "data/inflate.h"
#include "tests/helpers/data_test_util.h"
#include "tests/helpers/memory_test_util.h"
#include "tests/helpers/test_util.h"

using ag::test::BitWriter;
using ag::test::Bytes;
using ag_test::error_of;

namespace {

// A memory bound far below what any of these files cost without the limits,
// and far above what refusing them costs (ASan's allocator included).
constexpr double kSmallMB = 24.0;

std::string with_length_prefix(const std::string& header) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header;
}

// The issue's header: one valid tensor entry plus a "pad" array of n zeros.
std::string padded_header(size_t zeros) {
  std::string header = R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4],"pad":[)";
  header.reserve(header.size() + 2 * zeros + 4);
  for (size_t i = 0; i < zeros; ++i) header += i ? ",0" : "0";
  return header + "]}}";
}

// A fixed-Huffman DEFLATE block: `prefix` as literals, then one zero byte and
// `matches` copies of "258 bytes from distance 1": 13 bits per 258 bytes of
// output, DEFLATE's best ratio (about 1:1032).
Bytes deflate_bomb(const Bytes& prefix, size_t matches) {
  BitWriter bw;
  bw.put(1, 1);  // BFINAL
  bw.put(1, 2);  // BTYPE = 1, fixed codes
  auto literal = [&](uint8_t c) {
    if (c < 144)
      bw.put_code(0x30 + c, 8);
    else
      bw.put_code(0x190 + (c - 144), 9);
  };
  for (uint8_t c : prefix) literal(c);
  literal(0);
  for (size_t i = 0; i < matches; ++i) {
    bw.put_code(0xC0 + (285 - 280), 8);  // length 258
    bw.put_code(0, 5);                   // distance 1
  }
  bw.put_code(0, 7);  // end of block
  return bw.bytes;
}

// A gzip member around `deflate` whose trailer claims 4 GiB - 1 of output
// (the old decoder allocated from that claim before decoding a bit).
Bytes gzip_claiming_4gb(const Bytes& deflate) {
  const Bytes header = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  const Bytes trailer = {0,    0,    0,    0,
                         0xff, 0xff, 0xff, 0xff};  // CRC (unchecked: never reached), ISIZE
  Bytes gz(header.size() + deflate.size() + trailer.size());
  std::copy(header.begin(), header.end(), gz.begin());
  std::copy(deflate.begin(), deflate.end(), gz.begin() + header.size());
  std::copy(trailer.begin(), trailer.end(), gz.end() - trailer.size());
  return gz;
}

}  // namespace

TEST_SUITE("core.io") {

TEST_CASE("safetensors: a 20 MB header is refused before it is parsed") {
  const std::string file = with_length_prefix(padded_header(10'000'000));
  REQUIRE(file.size() > 20'000'000);
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::io::decode_safetensors(file, "pad.safetensors"); }) ==
        "load_safetensors: 'pad.safetensors': header of " + std::to_string(file.size() - 8) +
            " bytes is larger than the limit of 16777216 bytes (a real header takes about 80 bytes "
            "per tensor)");
  if (peak.available()) CHECK(peak.growth_mb() < kSmallMB);
}

TEST_CASE("safetensors: an unknown key is refused before its value is read") {
  // 8 MB: under the size limit, so the schema check has to stop it.
  const std::string file = with_length_prefix(padded_header(4'000'000));
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::io::decode_safetensors(file, "pad.safetensors"); }) ==
        "load_safetensors: 'pad.safetensors': tensor \"a\" has an unknown key \"pad\" (a tensor "
        "entry has only "
        "dtype, shape and data_offsets)");
  if (peak.available()) {
    MESSAGE("peak memory growth refusing an 8 MB header: " << peak.growth_mb() << " MB");
    CHECK(peak.growth_mb() < kSmallMB);
  }
}

TEST_CASE("safetensors: arrays and metadata hold only what the format allows") {
  using ag::io::decode_safetensors;
  std::string dims;
  for (int i = 0; i < 65; ++i) dims += i ? ",1" : "1";
  CHECK_FAILS_WITH(decode_safetensors(with_length_prefix(R"({"a":{"dtype":"F32","shape":[)" + dims +
                                                         R"(],"data_offsets":[0,4]}})") +
                                      "abcd"),
                   "tensor \"a\": \"shape\" has more than 64 numbers");
  CHECK_FAILS_WITH(decode_safetensors(with_length_prefix(R"({"a":{"dtype":"F32","shape":[[1]]}})")),
                   "tensor \"a\": \"shape\" must hold non-negative integers, got an array");
  CHECK_FAILS_WITH(decode_safetensors(with_length_prefix(R"({"__metadata__":{"k":["v"]}})")),
                   "\"__metadata__\" value of \"k\" must be a string, got array");
  CHECK_FAILS_WITH(decode_safetensors(with_length_prefix(R"({"a":{"dtype":{"x":1}}})")),
                   "tensor \"a\": \"dtype\" must be string, got object");
}

TEST_CASE("safetensors: 140,000 tiny tensors are refused at the tensor limit, with little memory") {
  // The issue's file: 10 MB, every tensor one float. Loading it took 296 MB
  // and 5.8 s: about 1 KB of JSON tree and another of tensor per entry.
  constexpr int kTensors = 140'000;
  std::string header = "{";
  header.reserve(size_t{72} * kTensors);
  for (int i = 0; i < kTensors; ++i)
    header += (i ? "," : "") + ("\"layer." + std::to_string(i) +
                                ".scale\":{\"dtype\":\"F32\",\"shape\":[1],"
                                "\"data_offsets\":[" +
                                std::to_string(4 * i) + "," + std::to_string(4 * i + 4) + "]}");
  header += "}";
  const std::string file = with_length_prefix(header) + std::string(size_t{4} * kTensors, '\0');
  REQUIRE(file.size() > 10'000'000);
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::io::decode_safetensors(file, "many.safetensors"); }) ==
        "load_safetensors: 'many.safetensors': header has more than 65536 tensors, the limit of "
        "this reader (each "
        "costs about 1 KB loaded, whatever its size)");
  if (peak.available()) {
    MESSAGE("peak memory growth refusing 140,000 tensors in "
            << file.size() / 1e6 << " MB: " << peak.growth_mb() << " MB");
    // 65,536 entries parsed before the refusal: many small allocations.
    CHECK(peak.growth_mb() < 2 * kSmallMB * ag_test::kSanitizerMemoryFactor);
  }
}

TEST_CASE("json: the value budget stops a wide document early") {
  ag::io::JsonLimits limits;
  limits.max_values = 1000;
  std::string wide = "[";
  for (int i = 0; i < 5000; ++i) wide += i ? ",0" : "0";
  wide += "]";
  CHECK_FAILS_WITH(ag::io::parse_json(wide, limits), "json: more than 1000 values at byte 1999");
  CHECK(ag::io::parse_json(wide).array.size() == 5000);  // the default budget is 2^20
}

}  // TEST_SUITE("core.io")

TEST_SUITE("data.inflate") {

TEST_CASE("a gzip bomb is refused at the caller's limit, with little memory") {
  // 1,625,016 bytes of .gz that would inflate to 1 GiB (4,161,790 matches).
  const Bytes gz = gzip_claiming_4gb(deflate_bomb({}, 4'161'790));
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::data::gunzip(gz, "bomb.gz", 1 << 20); }) ==
        "gunzip: bomb.gz: decompresses to more than the limit of 1048576 bytes (a decompression "
        "bomb, or not the "
        "file expected)");
  CHECK(error_of([&] { ag::data::inflate_raw(gz.data() + 10, gz.size() - 18, "bomb", 1 << 20); }) ==
        "inflate: bomb: the decompressed data passes the limit of 1048576 bytes");
  if (peak.available()) {
    MESSAGE("peak memory growth refusing a 1 GiB bomb at 1 MiB: " << peak.growth_mb() << " MB");
    CHECK(peak.growth_mb() < kSmallMB);
  }
  // Under the limit the same stream decodes: 1 + 258 * matches zeros.
  const Bytes small = ag::data::inflate_raw(deflate_bomb({}, 1000), "small", 258001);
  CHECK(small == Bytes(258001, 0));
  CHECK_FAILS_WITH(ag::data::inflate_raw(deflate_bomb({}, 1000), "small", 258000),
                   "passes the limit of 258000");
}

TEST_CASE("a damaged first block fails at once, whatever the trailer claims") {
  // Old behaviour: 1 GB zero-filled from the trailer's size before decoding.
  Bytes body(1 << 20, 0);
  body[0] = 0x07;  // BFINAL = 1, BTYPE = 3 (invalid)
  const Bytes gz = gzip_claiming_4gb(body);
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::data::gunzip(gz, "bad.gz"); }) ==
        "inflate: bad.gz: invalid block type 3");
  if (peak.available()) CHECK(peak.growth_mb() < kSmallMB);
}

TEST_CASE("the IDX readers stop past the size their header promises") {
  ag::test::TempDir dir;
  // An IDX header for 10 images of 28 x 28, then a gigabyte of zeros.
  const Bytes header = {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28};
  ag::test::write_file(dir.file("images.gz"), gzip_claiming_4gb(deflate_bomb(header, 4'161'790)));
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::data::read_idx_images(dir.file("images.gz")); }) ==
        "read_idx_images: '" + dir.file("images.gz") +
            "' decompresses to more than the 7856 bytes its header promises (16-byte header + 10 x "
            "28 x 28)");
  if (peak.available()) CHECK(peak.growth_mb() < kSmallMB);
  // Labels the same way: a header for 5 labels.
  ag::test::write_file(dir.file("labels.gz"),
                       gzip_claiming_4gb(deflate_bomb({0, 0, 8, 1, 0, 0, 0, 5}, 1000)));
  CHECK(error_of([&] { ag::data::read_idx_labels(dir.file("labels.gz")); }) ==
        "read_idx_labels: '" + dir.file("labels.gz") +
            "' decompresses to more than the 13 bytes its header promises (8-byte header + 5)");
}

TEST_CASE("1,000 gzip members of 1 MiB each: refused at the limit, in linear time") {
  // The issue's file: 1 MB of .gz, 1,000 members that each inflate to 1 MiB
  // of zeros (made by the system's gzip). Each member used to cut the output
  // buffer to size and the next to regrow and zero-fill it: quadratic, 275 s.
  ag::test::TempDir dir;
  ag::test::write_file(dir.file("zeros"), Bytes(1 << 20, 0));
  ag::test::run_gzip("-9 -n", dir.file("zeros"), dir.file("zeros.gz"));
  const Bytes member = ag::data::read_file_bytes(dir.file("zeros.gz"));
  Bytes gz;
  for (int i = 0; i < 1000; ++i) gz.insert(gz.end(), member.begin(), member.end());
  MESSAGE("a gzip file of " << gz.size() << " bytes that would inflate to 1000 MiB");
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::data::gunzip(gz, "members.gz", 8 << 20); }) ==
        "gunzip: members.gz: decompresses to more than the limit of 8388608 bytes (a decompression "
        "bomb, or not "
        "the file expected)");
  if (peak.available()) CHECK(peak.growth_mb() < kSmallMB);
  // Under the limit the members decode to their concatenation.
  const Bytes some(gz.begin(), gz.begin() + 20 * static_cast<std::ptrdiff_t>(member.size()));
  CHECK(ag::data::gunzip(some, "some.gz", 20 << 20) == Bytes(20 << 20, 0));

  // As an IDX file whose header promises 1,369,568 images of 28 x 28 (1 GiB):
  // refused at the header, before a single member of the data is decoded.
  const Bytes header = {0, 0, 8, 3, 0, 0x14, 0xe5, 0xe0, 0, 0, 0, 28, 0, 0, 0, 28};
  ag::test::write_file(dir.file("header"), header);
  ag::test::run_gzip("-n", dir.file("header"), dir.file("header.gz"));
  Bytes images = ag::data::read_file_bytes(dir.file("header.gz"));
  images.insert(images.end(), gz.begin(), gz.end());
  ag::test::write_file(dir.file("images.gz"), images);
  ag_test::PeakMemory idx_peak;
  CHECK(error_of([&] {
          ag::data::read_idx_images(dir.file("images.gz"), {60000, 28});
        }) == "read_idx_images: '" + dir.file("images.gz") +
                  "' header promises 1369568 images (1369568 x 28 x 28 = 1073741312 bytes), more "
                  "than the limit of 60000 "
                  "images the caller set");
  if (idx_peak.available()) {
    MESSAGE("peak memory growth refusing a header of 1,369,568 images: " << idx_peak.growth_mb()
                                                                         << " MB");
    CHECK(idx_peak.growth_mb() < kSmallMB);
  }
}

TEST_CASE("a CIFAR batch may not decompress past 10000 records") {
  ag::test::TempDir dir;
  ag::test::write_file(dir.file("data_batch_1.bin.gz"),
                       gzip_claiming_4gb(deflate_bomb({}, 4'161'790)));
  ag_test::PeakMemory peak;
  CHECK(error_of([&] { ag::data::read_cifar10_batch(dir.file("data_batch_1.bin.gz")); }) ==
        "read_cifar10: '" + dir.file("data_batch_1.bin.gz") +
            "' decompresses to more than 30730000 bytes (10000 records of 3073 bytes, the most a "
            "batch file holds)");
  // It decodes up to the limit before it knows: about 31 MB, not 1 GB.
  if (peak.available()) {
    MESSAGE("peak memory growth refusing a CIFAR bomb: " << peak.growth_mb() << " MB");
    CHECK(peak.growth_mb() < 2 * 31 + kSmallMB);
  }
}

}  // TEST_SUITE("data.inflate")
