// tests/data/test_inflate.cpp: the DEFLATE decoder and the gzip container.
//
// Three sources of truth: the system's gzip (a real encoder, several levels),
// streams written here by hand bit by bit with the expected output worked out
// in the comments, and damaged inputs that must all throw ag::Error.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "data/inflate.h"
#include "tests/helpers/data_test_util.h"
#include "tests/helpers/test_util.h"

using ag::test::BitWriter;
using ag::test::Bytes;
using ag::test::to_bytes;

namespace {

// Compress `data` with the system's gzip at the given flags and read it back.
Bytes gzip_with_system(const Bytes& data, const std::string& flags) {
  ag::test::TempDir dir;
  ag::test::write_file(dir.file("in.bin"), data);
  ag::test::run_gzip(flags, dir.file("in.bin"), dir.file("in.bin.gz"));
  return ag::data::read_file_bytes(dir.file("in.bin.gz"));
}

// The BTYPE of the first block of a gzip file made with -n (10-byte header).
int first_block_type(const Bytes& gz) { return (gz.at(10) >> 1) & 3; }

// The raw DEFLATE body of a gzip file made with -n: drop header and trailer.
Bytes deflate_body(const Bytes& gz) { return Bytes(gz.begin() + 10, gz.end() - 8); }

// A gzip member around a raw DEFLATE stream, with the optional header fields
// gzip itself never writes (FEXTRA, FCOMMENT, FHCRC) when `all_fields`.
Bytes make_gzip(const Bytes& deflate, const Bytes& content, bool all_fields) {
  Bytes gz = {0x1f, 0x8b, 8, static_cast<uint8_t>(all_fields ? 0x1e : 0), 0, 0, 0, 0, 0, 3};
  if (all_fields) {
    gz.insert(gz.end(), {4, 0, 'a', 'b', 'c', 'd'});                        // FEXTRA: XLEN = 4
    gz.insert(gz.end(), {'n', 'a', 'm', 'e', 0});                           // FNAME
    gz.insert(gz.end(), {'a', ' ', 'c', 'o', 'm', 'm', 'e', 'n', 't', 0});  // FCOMMENT
    uint32_t header_crc = ag::data::crc32(gz.data(), gz.size());            // FHCRC
    gz.insert(gz.end(), {static_cast<uint8_t>(header_crc), static_cast<uint8_t>(header_crc >> 8)});
  }
  gz.insert(gz.end(), deflate.begin(), deflate.end());
  uint32_t crc = ag::data::crc32(content.data(), content.size());
  auto size = static_cast<uint32_t>(content.size());
  for (uint32_t v : {crc, size})
    for (int i = 0; i < 4; ++i) gz.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return gz;
}

std::string error_of(const Bytes& raw) {
  try {
    ag::data::inflate_raw(raw, "hand-made");
  } catch (const ag::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string gunzip_error_of(const Bytes& gz) {
  try {
    ag::data::gunzip(gz, "test.gz");
  } catch (const ag::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Fixed Huffman codes (RFC 1951 3.2.6), written by hand:
//   literals 0..143      8 bits, 0x30 + value      256..279  7 bits, value - 256
//   literals 144..255    9 bits, 0x190 + value-144  280..287  8 bits, 0xC0 + value - 280
//   distance symbols     5 bits, the symbol itself
void put_fixed_literal(BitWriter& bw, uint8_t c) {
  if (c < 144)
    bw.put_code(0x30 + c, 8);
  else
    bw.put_code(0x190 + (c - 144), 9);
}
void put_fixed_symbol(BitWriter& bw, int sym) {
  if (sym < 280)
    bw.put_code(sym - 256, 7);
  else
    bw.put_code(0xC0 + (sym - 280), 8);
}

// The header of a dynamic block with HLIT = HDIST = 0 (257 and 1 codes) and
// the given code-length code lengths, listed in the RFC's permuted order.
BitWriter dynamic_header(const std::vector<int>& codelen_lengths, int hlit = 0) {
  BitWriter bw;
  bw.put(1, 1);                                                  // BFINAL
  bw.put(2, 2);                                                  // BTYPE = 2, dynamic
  bw.put(hlit, 5);                                               // HLIT: 257 + hlit codes
  bw.put(0, 5);                                                  // HDIST: 1 code
  bw.put(static_cast<uint32_t>(codelen_lengths.size()) - 4, 4);  // HCLEN
  for (int len : codelen_lengths) bw.put(len, 3);
  return bw;
}

}  // namespace

TEST_SUITE("data.inflate") {

TEST_CASE("crc32 matches the standard check value") {
  // The CRC-32 of "123456789" is 0xCBF43926, the check value every CRC
  // catalogue lists for this polynomial.
  Bytes digits = to_bytes("123456789");
  CHECK(ag::data::crc32(digits.data(), digits.size()) == 0xCBF43926u);
  CHECK(ag::data::crc32(nullptr, 0) == 0u);
  // Running over pieces gives the same result, including the 8-byte fast path.
  Bytes long_input = ag::test::random_bytes(1000, 3);
  uint32_t whole = ag::data::crc32(long_input.data(), long_input.size());
  uint32_t split = ag::data::crc32(long_input.data(), 13);
  split = ag::data::crc32(long_input.data() + 13, long_input.size() - 13, split);
  CHECK(whole == split);
}

TEST_CASE("hand-made stored blocks") {
  // Byte 0x01: BFINAL = 1, BTYPE = 00. Then LEN = 5, NLEN = ~5, and 5 bytes.
  Bytes one = {0x01, 0x05, 0x00, 0xfa, 0xff, 'h', 'e', 'l', 'l', 'o'};
  CHECK(ag::data::inflate_raw(one, "stored") == to_bytes("hello"));
  // Two blocks: "hi" (not final), then an empty final block.
  Bytes two = {0x00, 0x02, 0x00, 0xfd, 0xff, 'h', 'i', 0x01, 0x00, 0x00, 0xff, 0xff};
  CHECK(ag::data::inflate_raw(two, "stored") == to_bytes("hi"));
  // An empty stored block first of all: nothing to copy into a buffer not yet
  // allocated (the fuzzer found a memcpy to a null pointer here: UBSan).
  Bytes empty = {0x01, 0x00, 0x00, 0xff, 0xff};
  CHECK(ag::data::inflate_raw(empty, "stored").empty());
  // Wrapped in a gzip header with every optional field, checked by gunzip.
  CHECK(ag::data::gunzip(make_gzip(one, to_bytes("hello"), true), "all-fields.gz") ==
        to_bytes("hello"));
}

TEST_CASE("hand-made fixed Huffman stream with back-references") {
  BitWriter bw;
  bw.put(0, 1);  // BFINAL = 0
  bw.put(1, 2);  // BTYPE = 1, fixed codes
  for (char c : std::string("abc")) put_fixed_literal(bw, c);
  put_fixed_symbol(bw, 260);  // length 6 (symbols 257.. mean 3, 4, 5, 6; no extra bits)
  bw.put_code(2, 5);          // distance symbol 2 = distance 3: "abc" -> "abcabcabc"
  put_fixed_literal(bw, 'x');
  put_fixed_symbol(bw, 285);  // length 258
  bw.put_code(0, 5);          // distance 1: 258 more 'x' (overlapping copy)
  for (char c : std::string("0123456789")) put_fixed_literal(bw, c);
  put_fixed_symbol(bw, 266);    // lengths 13..14: base 13 + 1 extra bit
  bw.put(1, 1);                 //   = 14
  bw.put_code(5, 5);            // distance symbol 5: distances 7..8, base 7 + 1 extra bit
  bw.put(1, 1);                 //   = 8: copies "23456789" then "234567" again
  put_fixed_literal(bw, 0xE9);  // a literal >= 144 takes the 9-bit codes
  put_fixed_symbol(bw, 256);    // end of block
  // Second block, stored: starts on the next byte boundary.
  bw.put(1, 1);
  bw.put(0, 2);
  for (uint8_t b : Bytes{2, 0, 0xfd, 0xff, 'o', 'k'}) bw.put_byte(b);

  std::string expected =
      "abcabcabc" + std::string(259, 'x') + "0123456789" + "23456789234567" + "\xE9" + "ok";
  CHECK(ag::data::inflate_raw(bw.bytes, "fixed") == to_bytes(expected));
}

TEST_CASE("system gzip output decodes byte-exact at levels 1, 6 and 9") {
  struct Case {
    const char* name;
    Bytes data;
  };
  Case cases[] = {{"empty", {}},
                  {"text", ag::test::text_bytes(300000, 1)},
                  {"repetitive", ag::test::repetitive_bytes()},
                  {"random", ag::test::random_bytes(100000, 2)},
                  {"tiny", to_bytes("hello hello hello\n")}};
  for (const Case& c : cases) {
    for (const char* level : {"-1", "-6", "-9"}) {
      CAPTURE(c.name);
      CAPTURE(level);
      Bytes gz = gzip_with_system(c.data, level);  // default flags: the file name is stored (FNAME)
      CHECK(ag::data::gunzip(gz, c.name) == c.data);
      Bytes gz_n = gzip_with_system(c.data, std::string(level) + " -n");
      CHECK(ag::data::inflate_raw(deflate_body(gz_n), c.name) == c.data);
    }
  }
  // Each block type really occurs in gzip's output, so each path was tested.
  CHECK(first_block_type(gzip_with_system(ag::test::random_bytes(100000, 2), "-6 -n")) ==
        0);  // stored
  CHECK(first_block_type(gzip_with_system(to_bytes("hello hello hello\n"), "-9 -n")) ==
        1);  // fixed
  CHECK(first_block_type(gzip_with_system(ag::test::text_bytes(300000, 1), "-9 -n")) ==
        2);  // dynamic
}

TEST_CASE("multi-member gzip file decodes to the concatenation") {
  Bytes first = ag::test::text_bytes(5000, 4), second = ag::test::random_bytes(3000, 5);
  Bytes gz = gzip_with_system(first, "-6"), gz2 = gzip_with_system(second, "-1");
  gz.insert(gz.end(), gz2.begin(), gz2.end());  // what `cat a.gz b.gz` makes
  Bytes expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  CHECK(ag::data::gunzip(gz, "ab.gz") == expected);
  // Garbage after the members is an error, not silently ignored.
  gz.push_back(0x42);
  CHECK(gunzip_error_of(gz).find("1 unexpected bytes after gzip member 2") != std::string::npos);
}

TEST_CASE("10,000 gzip members decode to their concatenation") {
  // 10,000 different 1 KB pieces, each its own member, all compressed by one
  // run of the system's gzip (`gzip -c a b c` writes one member per file).
  // Cutting the output buffer after each member and regrowing it for the
  // next made this quadratic: minutes for 10 MB. Now it is linear (the
  // timing is in tests/bench/inflate.cpp, not here: a test checks values).
  constexpr int kMembers = 10'000;
  constexpr size_t kPiece = 1024;
  const Bytes data = ag::test::text_bytes(kMembers * kPiece, 21);
  ag::test::TempDir dir;
  for (int i = 0; i < kMembers; ++i)
    ag::test::write_file(dir.file(std::to_string(i)),
                         Bytes(data.begin() + i * kPiece, data.begin() + (i + 1) * kPiece));
  const std::string command = "cd '" + dir.path.string() + "' && seq 0 " +
                              std::to_string(kMembers - 1) + " | xargs gzip -n -6 -c > all.gz";
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "command failed: " << command);
  const Bytes gz = ag::data::read_file_bytes(dir.file("all.gz"));
  CHECK(ag::data::gunzip(gz, "all.gz") == data);
  // Member k really is the k-th piece: the head crosses 1,234 members.
  const Bytes head = ag::data::gunzip_head(gz, "all.gz", 1234 * kPiece + 5);
  CHECK(head == Bytes(data.begin(), data.begin() + 1234 * kPiece + 5));
  // And the limit holds across members: one byte short is refused.
  CHECK_FAILS_WITH(ag::data::gunzip(gz, "all.gz", data.size() - 1),
                   "decompresses to more than the limit of 10239999");
}

TEST_CASE("read_maybe_gzip reads gzipped and plain files alike") {
  ag::test::TempDir dir;
  Bytes data = ag::test::text_bytes(20000, 6);
  ag::test::write_file(dir.file("plain.bin"), data);
  ag::test::run_gzip("-9", dir.file("plain.bin"), dir.file("plain.bin.gz"));
  CHECK(ag::data::read_maybe_gzip(dir.file("plain.bin")) == data);
  CHECK(ag::data::read_maybe_gzip(dir.file("plain.bin.gz")) == data);
  const std::string expected = "cannot open '" + dir.file("missing.gz") + "': No such file";
  CHECK_THROWS_WITH_AS(ag::data::read_file_bytes(dir.file("missing.gz")),
                       doctest::Contains(expected.c_str()), ag::Error);
}

TEST_CASE("corrupt gzip headers and trailers") {
  Bytes data = ag::test::text_bytes(2000, 8);
  const Bytes gz = gzip_with_system(data, "-9 -n");
  Bytes bad = gz;
  bad[1] = 0x8c;
  CHECK(gunzip_error_of(bad) ==
        "gunzip: test.gz: not a gzip file: starts with 0x1f 0x8c, expected 0x1f 0x8b");
  bad = gz;
  bad[2] = 7;
  CHECK(gunzip_error_of(bad) == "gunzip: test.gz: compression method 7 is not deflate (8)");
  bad = gz;
  bad[3] = 0x20;
  CHECK(gunzip_error_of(bad) == "gunzip: test.gz: reserved header flag bits set (0x20)");
  bad = gz;
  bad[bad.size() - 8] ^= 1;  // low byte of the stored CRC-32
  CHECK(gunzip_error_of(bad).find("CRC-32 mismatch") != std::string::npos);
  bad = gz;
  bad[bad.size() - 4] ^= 1;  // low byte of ISIZE
  CHECK(gunzip_error_of(bad) ==
        "gunzip: test.gz: length mismatch (trailer says 2001 bytes mod 2^32, decoded 2000)");
  bad = make_gzip({0x01, 0x00, 0x00, 0xff, 0xff}, {}, true);
  bad[31] ^= 1;  // FHCRC: after 10 header + 6 FEXTRA + 5 FNAME + 10 FCOMMENT bytes
  CHECK(gunzip_error_of(bad).find("header CRC mismatch") != std::string::npos);
  CHECK(gunzip_error_of({}) == "gunzip: test.gz: empty input, expected a gzip header");
}

TEST_CASE("every truncation of a gzip file or DEFLATE stream throws") {
  Bytes data = ag::test::text_bytes(3000, 9);
  for (const char* flags : {"-9 -n", "-1 -n"}) {
    const Bytes gz = gzip_with_system(data, flags);
    for (size_t len = 0; len < gz.size(); ++len) {
      CAPTURE(len);
      CHECK_THROWS_AS(ag::data::gunzip(Bytes(gz.begin(), gz.begin() + len), "cut.gz"), ag::Error);
    }
    // Without the trailer only the decoder itself can notice the missing end.
    const Bytes body = deflate_body(gz);
    for (size_t len = 0; len < body.size(); ++len) {
      CAPTURE(len);
      CHECK_THROWS_WITH_AS(ag::data::inflate_raw(Bytes(body.begin(), body.begin() + len), "cut"),
                           doctest::Contains("truncated stream"), ag::Error);
    }
  }
  // The same for a stored block (random data) and a fixed-code stream.
  for (const Bytes& sample : {ag::test::random_bytes(700, 10), to_bytes("hello hello hello\n")}) {
    const Bytes body = deflate_body(gzip_with_system(sample, "-6 -n"));
    for (size_t len = 0; len < body.size(); ++len)
      CHECK_THROWS_AS(ag::data::inflate_raw(Bytes(body.begin(), body.begin() + len), "cut"),
                      ag::Error);
  }
}

TEST_CASE("flipped bits throw or decode to the original, never to wrong data") {
  Bytes data = ag::test::text_bytes(1500, 11);
  const Bytes gz = gzip_with_system(data, "-9 -n");
  // Flips that cannot change the data: the FTEXT flag (byte 3), MTIME/XFL/OS
  // (bytes 4..9), and the unused padding bits after the final block, in the
  // last byte of the DEFLATE body. Every other flip must be detected.
  auto may_be_harmless = [&](size_t pos) { return (pos >= 3 && pos < 10) || pos == gz.size() - 9; };
  int missed = 0;
  for (size_t pos = 0; pos < gz.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x10, 0x80, 0xff}) {
      Bytes bad = gz;
      bad[pos] ^= mask;
      Bytes decoded;
      try {
        decoded = ag::data::gunzip(bad, "flipped.gz");
      } catch (const ag::Error&) {
        continue;
      }
      CAPTURE(pos);
      CHECK(decoded == data);
      if (!may_be_harmless(pos)) ++missed;
    }
  }
  CHECK(missed == 0);
}

TEST_CASE("random garbage never crashes the decoder") {
  ag::test::Rng rng(12);
  int threw = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Bytes garbage = ag::test::random_bytes(1 + rng.next() % 300, rng.next());
    try {
      ag::data::inflate_raw(garbage, "garbage");
    } catch (const ag::Error&) {
      ++threw;
    }
  }
  CHECK(threw > 2900);  // a few random inputs are valid streams; nearly all are not
}

TEST_CASE("hand-made invalid streams name the problem") {
  // Stored block whose NLEN is not the complement of LEN.
  CHECK(error_of({0x01, 0x05, 0x00, 0xfa, 0xfe, 'h', 'e', 'l', 'l', 'o'}) ==
        "inflate: hand-made: stored block length 5 does not match its check value 65274 (expected "
        "65530)");
  CHECK(error_of({0x01, 0x05, 0x00, 0xfa, 0xff, 'h', 'i'}) ==
        "inflate: hand-made: truncated stream (stored block of 5 bytes, only 2 left)");
  CHECK(error_of({0x07}) == "inflate: hand-made: invalid block type 3");

  BitWriter far;  // 'a', then "copy 3 bytes from distance 2": only 1 byte exists
  far.put(1, 1), far.put(1, 2), put_fixed_literal(far, 'a'), put_fixed_symbol(far, 257),
      far.put_code(1, 5);
  put_fixed_symbol(far, 256);
  CHECK(error_of(far.bytes) ==
        "inflate: hand-made: back-reference distance 2 too far back (only 1 bytes decoded so far)");

  BitWriter sym286;
  sym286.put(1, 1), sym286.put(1, 2), put_fixed_symbol(sym286, 286), put_fixed_symbol(sym286, 256);
  CHECK(error_of(sym286.bytes) ==
        "inflate: hand-made: invalid literal/length symbol 286 (valid: 0..285)");

  BitWriter dist30;
  dist30.put(1, 1), dist30.put(1, 2), put_fixed_literal(dist30, 'a'), put_fixed_symbol(dist30, 257);
  dist30.put_code(30, 5), put_fixed_symbol(dist30, 256);
  CHECK(error_of(dist30.bytes) == "inflate: hand-made: invalid distance symbol 30 (valid: 0..29)");

  // Dynamic headers. Code-length code lengths come in the order 16, 17, 18, 0, 8, ...
  BitWriter over = dynamic_header(std::vector<int>(19, 1));  // 19 codes of 1 bit: impossible
  CHECK(error_of(over.bytes) ==
        "inflate: hand-made: over-subscribed code-length code (more codes than bit patterns)");
  BitWriter incomplete =
      dynamic_header({0, 0, 0, 1});  // only symbol 0, one bit: half the space unused
  CHECK(error_of(incomplete.bytes) ==
        "inflate: hand-made: incomplete code-length code (unused bit patterns)");
  // Symbols 0 and 16 with 1 bit each: codes 0 and 1. Starting with 16 ("repeat previous") is
  // invalid.
  BitWriter repeat = dynamic_header({1, 0, 0, 1});
  repeat.put_code(1, 1);
  CHECK(error_of(repeat.bytes) ==
        "inflate: hand-made: code-length repeat (symbol 16) with no previous length");
  // Symbols 0 and 18 (11..138 zeros, 7 extra bits): 138 + 120 zeros = all 258 lengths zero,
  // so there is no end-of-block code.
  BitWriter no_end = dynamic_header({0, 0, 1, 1});
  no_end.put_code(1, 1), no_end.put(127, 7), no_end.put_code(1, 1), no_end.put(109, 7);
  CHECK(error_of(no_end.bytes) == "inflate: hand-made: dynamic block has no end-of-block code");
  BitWriter overflow = dynamic_header({0, 0, 1, 1});
  for (int i = 0; i < 2; ++i) overflow.put_code(1, 1), overflow.put(127, 7);  // 276 > 258
  CHECK(error_of(overflow.bytes) ==
        "inflate: hand-made: code-length repeat runs past the 258 declared lengths");
  BitWriter too_many = dynamic_header({0, 0, 1, 1}, 30);
  CHECK(error_of(too_many.bytes) ==
        "inflate: hand-made: dynamic block declares 287 literal/length codes (at most 286)");
}

}  // TEST_SUITE("data.inflate")
