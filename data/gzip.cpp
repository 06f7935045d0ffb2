// data/gzip.cpp: the gzip container (RFC 1952) around DEFLATE, CRC-32, and
// reading files from disk.
//
// A .gz file is one or more "members", each:
//   header   1f 8b (magic), CM = 8 (deflate), FLG, MTIME (4), XFL, OS
//            then optional fields, present when their FLG bit is set:
//              FEXTRA   2-byte length XLEN, then XLEN bytes
//              FNAME    original file name, zero-terminated
//              FCOMMENT comment, zero-terminated
//              FHCRC    low 16 bits of the CRC-32 of the header so far
//   body     a raw DEFLATE stream (data/inflate.cpp)
//   trailer  CRC-32 of the uncompressed data, then ISIZE = its length mod 2^32,
//            both 4 bytes little-endian
// Concatenated members decode to the concatenation of their contents.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "data/inflate.h"

namespace ag::data {
namespace {

constexpr uint8_t kFlagHeaderCrc = 0x02;  // FHCRC
constexpr uint8_t kFlagExtra = 0x04;      // FEXTRA
constexpr uint8_t kFlagName = 0x08;       // FNAME
constexpr uint8_t kFlagComment = 0x10;    // FCOMMENT
constexpr uint8_t kFlagReserved = 0xe0;   // must be zero

// CRC-32 is the remainder of dividing the message (as a polynomial over GF(2))
// by a fixed degree-32 polynomial. Processing a byte at a time, the effect of
// each possible byte on the remainder is precomputed: kCrcTable[b] is the
// remainder of b after 8 steps of bitwise long division. gzip's bit order is
// "reflected" (least significant bit first), hence the right shifts and the
// bit-reversed polynomial 0xEDB88320.
//
// Slicing-by-8 extends the idea to 8 bytes per step: kCrcTable[k][b] is the
// effect of byte b followed by k zero bytes, so the 8 lookups of one step are
// independent and the CPU can overlap them (about 5x faster than 1 byte/step).
constexpr std::array<std::array<uint32_t, 256>, 8> make_crc_tables() {
  std::array<std::array<uint32_t, 256>, 8> table{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    table[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k)
    for (uint32_t b = 0; b < 256; ++b)
      table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
  return table;
}
constexpr auto kCrcTable = make_crc_tables();

uint32_t read_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

std::string hex(uint32_t value, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, static_cast<unsigned>(value));
  return text;
}

std::string member_name(const std::string& what, int member) {
  return member == 1 ? what : what + " (gzip member " + std::to_string(member) + ")";
}

// Checks the header of the member starting at bytes[pos] and returns the
// position of its DEFLATE stream.
size_t read_member_header(const std::vector<uint8_t>& bytes, size_t pos, const std::string& what,
                          int member) {
  const size_t size = bytes.size();
  const uint8_t* data = bytes.data();
  const std::string where = member_name(what, member);
  auto need = [&](size_t n, const char* part) {
    if (size - pos < n) fail("gunzip: ", where, ": truncated gzip ", part);
  };

  const size_t start = pos;
  const bool magic_ok = size - pos >= 2 && data[pos] == 0x1f && data[pos + 1] == 0x8b;
  if (!magic_ok) {
    if (member == 1 && size - pos < 2)
      fail("gunzip: ", what, ": 1 byte, too short for a gzip header");
    if (member == 1)
      fail("gunzip: ", what, ": not a gzip file: starts with ", hex(data[pos], 2), " ",
           hex(data[pos + 1], 2), ", expected 0x1f 0x8b");
    fail("gunzip: ", what, ": ", size - pos, " unexpected bytes after gzip member ", member - 1,
         " (not another gzip member: no 1f 8b magic)");
  }
  need(10, "header");
  const uint8_t method = data[pos + 2], flags = data[pos + 3];
  if (method != 8)
    fail("gunzip: ", where, ": compression method ", int{method}, " is not deflate (8)");
  if (flags & kFlagReserved)
    fail("gunzip: ", where, ": reserved header flag bits set (", hex(flags, 2), ")");
  pos += 10;  // magic, CM, FLG, MTIME, XFL, OS: nothing else we need

  if (flags & kFlagExtra) {
    need(2, "header (FEXTRA length)");
    size_t extra_len = data[pos] | data[pos + 1] << 8;
    pos += 2;
    need(extra_len, "header (FEXTRA field)");
    pos += extra_len;
  }
  for (uint8_t flag : {kFlagName, kFlagComment}) {
    if (!(flags & flag)) continue;
    const void* zero = std::memchr(data + pos, 0, size - pos);
    if (zero == nullptr)
      fail("gunzip: ", where, ": truncated gzip header (unterminated file name or comment)");
    pos = static_cast<size_t>(static_cast<const uint8_t*>(zero) - data) + 1;
  }
  if (flags & kFlagHeaderCrc) {
    need(2, "header (FHCRC)");
    uint32_t stored = data[pos] | data[pos + 1] << 8;
    uint32_t actual = crc32(data + start, pos - start) & 0xffff;
    if (stored != actual)
      fail("gunzip: ", where, ": header CRC mismatch (stored ", hex(stored, 4), ", computed ",
           hex(actual, 4), ")");
    pos += 2;
  }
  return pos;
}

// Decodes the member starting at bytes[pos] onto the end of `out` (which may
// not pass max_output bytes), checks its trailer, and returns the position
// just after it. The output is never copied or trimmed: later members append
// in place, into room earlier ones made.
size_t read_member(const std::vector<uint8_t>& bytes, size_t pos, const std::string& what,
                   int member, InflateOutput& out, size_t max_output) {
  const std::string where = member_name(what, member);
  pos = read_member_header(bytes, pos, what, member);
  const size_t start = out.size;
  try {
    pos += inflate_append(bytes.data() + pos, bytes.size() - pos, where, out, max_output);
  } catch (const InflateLimitError&) {
    throw InflateLimitError(message("gunzip: ", what, ": decompresses to more than the limit of ",
                                    max_output,
                                    " bytes (a decompression bomb, or not the file expected)"));
  }

  if (bytes.size() - pos < 8)
    fail("gunzip: ", where, ": truncated gzip trailer (CRC-32 and length)");
  const uint32_t stored_crc = read_le32(bytes.data() + pos);
  const uint32_t stored_size = read_le32(bytes.data() + pos + 4);
  const size_t content_size = out.size - start;
  const uint32_t actual_crc = crc32(out.bytes.data() + start, content_size);
  if (stored_crc != actual_crc)
    fail("gunzip: ", where, ": CRC-32 mismatch (trailer says ", hex(stored_crc, 8), ", data gives ",
         hex(actual_crc, 8), "): the data is corrupt");
  if (stored_size != static_cast<uint32_t>(content_size))
    fail("gunzip: ", where, ": length mismatch (trailer says ", stored_size,
         " bytes mod 2^32, decoded ", content_size, ")");
  return pos + 8;
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
  crc = ~crc;  // the register starts at all ones (and is inverted at the end)
  while (size >= 8) {
    uint32_t low = crc ^ read_le32(data);
    uint32_t high = read_le32(data + 4);
    crc = kCrcTable[7][low & 0xff] ^ kCrcTable[6][(low >> 8) & 0xff] ^
          kCrcTable[5][(low >> 16) & 0xff] ^ kCrcTable[4][low >> 24] ^ kCrcTable[3][high & 0xff] ^
          kCrcTable[2][(high >> 8) & 0xff] ^ kCrcTable[1][(high >> 16) & 0xff] ^
          kCrcTable[0][high >> 24];
    data += 8;
    size -= 8;
  }
  for (size_t i = 0; i < size; ++i) crc = (crc >> 8) ^ kCrcTable[0][(crc ^ data[i]) & 0xff];
  return ~crc;
}

bool looks_gzipped(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& what,
                            size_t max_output) {
  if (bytes.empty()) fail("gunzip: ", what, ": empty input, expected a gzip header");
  InflateOutput out;  // one buffer for all members: it only ever grows, by doubling
  size_t pos = 0;
  for (int member = 1; pos < bytes.size(); ++member)
    pos = read_member(bytes, pos, what, member, out, max_output);
  return out.take();
}

std::vector<uint8_t> gunzip_head(const std::vector<uint8_t>& bytes, const std::string& what,
                                 size_t n) {
  if (bytes.empty()) fail("gunzip: ", what, ": empty input, expected a gzip header");
  InflateOutput out;
  size_t pos = 0;
  for (int member = 1; pos < bytes.size() && out.size < n; ++member) {
    pos = read_member_header(bytes, pos, what, member);
    const size_t used = inflate_append(bytes.data() + pos, bytes.size() - pos,
                                       member_name(what, member), out, SIZE_MAX, n);
    if (out.size >= n) break;
    pos += used + 8;  // the trailer: checked only by gunzip, which decodes everything
  }
  return out.take();
}

std::vector<uint8_t> read_file_bytes(const std::string& path, size_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) fail("read_file_bytes: cannot open '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> bytes;
  // Read in chunks rather than asking for the size first: works for pipes too.
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    size_t old_size = bytes.size();
    bytes.resize(old_size + kChunk);
    size_t got = std::fread(bytes.data() + old_size, 1, kChunk, file.get());
    bytes.resize(old_size + got);
    if (bytes.size() > max_bytes)
      fail("read_file_bytes: '", path, "' is larger than the limit of ", max_bytes,
           " bytes the caller set");
    if (got < kChunk) break;
  }
  if (std::ferror(file.get()))
    fail("read_file_bytes: error reading '", path, "': ", std::strerror(errno));
  return bytes;
}

size_t max_gzip_file_bytes(size_t max_output) {
  const size_t slack = max_output / 8 + (size_t{1} << 20);
  return max_output > SIZE_MAX - slack ? SIZE_MAX : max_output + slack;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path, size_t max_output) {
  std::vector<uint8_t> bytes = read_file_bytes(path, max_gzip_file_bytes(max_output));
  if (looks_gzipped(bytes)) return gunzip(bytes, path, max_output);
  return bytes;
}

}  // namespace ag::data
