// core/io/npy.cpp: the .npy writer and reader, including a tiny parser for
// the header's Python dict literal.
#include "core/io/npy.h"

#include <cstring>

#include "core/io/atomic_file.h"
#include "core/io/dtype.h"

namespace ag::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";  // 6 bytes plus the implicit NUL
constexpr size_t kMagicLength = 6;
constexpr size_t kAlign = 64;                // NumPy aligns the data start to 64 bytes
constexpr size_t kGrowthAxisMaxDigits = 21;  // NumPy's spare room for a growing shape[0]

// Python's repr of a shape tuple: (), (5,), (2, 3)
std::string shape_repr(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// ---------------------------------------------------------------- header parsing
// The header dict as read from the file.
struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// A cursor over the header text, one method per piece of the dict literal:
//   { 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_spaces();
    expect('{');
    while (true) {
      skip_spaces();
      if (peek_is('}')) break;
      std::string key = parse_quoted();
      skip_spaces();
      expect(':');
      skip_spaces();
      if (key == "descr" && !have_descr) {
        h.descr = parse_quoted(), have_descr = true;
      } else if (key == "fortran_order" && !have_order) {
        h.fortran_order = parse_bool(), have_order = true;
      } else if (key == "shape" && !have_shape) {
        h.shape = parse_tuple(), have_shape = true;
      } else {
        error("unexpected or repeated key '" + key + "' in header");
      }
      skip_spaces();
      if (peek_is(',')) {
        ++pos_;
        continue;
      }
      skip_spaces();
      if (!peek_is('}')) error("expected ',' or '}' in header");
    }
    ++pos_;  // '}'
    // After the dict: NumPy's padding (spaces) and the final newline.
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
    if (pos_ != text_.size()) error("unexpected text after the header dict");
    if (!have_descr || !have_order || !have_shape)
      error("header lacks '" +
            std::string(!have_descr   ? "descr"
                        : !have_order ? "fortran_order"
                                      : "shape") +
            "'");
    return h;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  const std::string& source_;

  [[noreturn]] void error(const std::string& what) const {
    fail("load_npy: '", source_, "': ", what, " (at byte ", pos_, " of the header)");
  }
  bool peek_is(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    if (!peek_is(c)) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  // 'text' or "text" (our keys and descrs never contain quotes or escapes).
  std::string parse_quoted() {
    if (!peek_is('\'') && !peek_is('"')) error("expected a quoted string");
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) error("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    error("fortran_order must be True or False");
  }

  // (), (n,), (a, b), (a, b,) ... A 1-tuple needs its comma: (3) is not a tuple.
  Shape parse_tuple() {
    expect('(');
    Shape shape;
    bool trailing_comma = false;
    skip_spaces();
    while (!peek_is(')')) {
      shape.push_back(parse_size());
      skip_spaces();
      trailing_comma = peek_is(',');
      if (trailing_comma)
        ++pos_;
      else if (!peek_is(')'))
        error("expected ',' or ')' in shape");
      skip_spaces();
    }
    ++pos_;
    if (shape.size() == 1 && !trailing_comma)
      error("shape must be a tuple: a single size needs a comma, as (n,)");
    return shape;
  }

  int64_t parse_size() {
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
      error("expected a non-negative size in shape");
    int64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (!checked_mul(value, 10, &value) ||
          __builtin_add_overflow(value, text_[pos_] - '0', &value))
        error("size in shape is too large");
      ++pos_;
    }
    if (peek_is('L')) ++pos_;  // Python 2 wrote long integers as 3L
    return value;
  }
};

// fortran_order: element (i0, i1, ..., ik) sits at i0 + s0*(i1 + s1*(i2 + ...)),
// first index fastest. Walk the row-major output with an odometer over the
// index and move the matching file position along with it.
std::vector<float> fortran_to_row_major(const std::vector<float>& in, const Shape& shape) {
  const size_t ndim = shape.size();
  std::vector<float> out(in.size());
  std::vector<int64_t> index(ndim, 0), file_stride(ndim, 1);
  for (size_t d = 1; d < ndim; ++d) file_stride[d] = file_stride[d - 1] * shape[d - 1];
  int64_t file_pos = 0;
  for (size_t c = 0; c < out.size(); ++c) {
    out[c] = in[static_cast<size_t>(file_pos)];
    for (size_t d = ndim; d-- > 0;) {  // advance the last index; carry leftwards
      ++index[d];
      file_pos += file_stride[d];
      if (index[d] < shape[d]) break;
      file_pos -= file_stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace

std::string encode_npy(const Tensor& t) {
  if (!t.defined()) fail("save_npy: the tensor is undefined");
  const Shape& shape = t.shape();
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_repr(shape) + ", }";
  if (!shape.empty()) dict.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');

  // Pad with spaces so magic + version + length field + header ends on a
  // 64-byte boundary; the last padding byte is '\n'. Like NumPy, a header
  // that is already aligned still gets a full 64 bytes of padding.
  auto padded_length = [&](size_t length_field) {
    size_t with_newline = dict.size() + 1;
    return with_newline + kAlign - (kMagicLength + 2 + length_field + with_newline) % kAlign;
  };
  const bool version2 = padded_length(2) > 0xFFFF;  // too big for a uint16 length: format 2.0
  const size_t length_field = version2 ? 4 : 2;
  const size_t header_length = padded_length(length_field);

  std::string out(kMagic, kMagicLength);
  out += static_cast<char>(version2 ? 2 : 1);
  out += static_cast<char>(0);
  for (size_t i = 0; i < length_field; ++i)
    out += static_cast<char>((header_length >> (8 * i)) & 0xFF);
  out += dict;
  out.append(header_length - dict.size() - 1, ' ');
  out += '\n';
  const size_t data_bytes = static_cast<size_t>(t.numel()) * sizeof(float);
  if (data_bytes > 0)
    out.append(reinterpret_cast<const char*>(t.data()), data_bytes);  // little-endian host
  return out;
}

Tensor decode_npy(std::string_view bytes, const std::string& source) {
  auto error = [&](const auto&... parts) { fail("load_npy: '", source, "': ", parts...); };
  if (bytes.size() < kMagicLength + 2 ||
      bytes.substr(0, kMagicLength) != std::string_view(kMagic, kMagicLength))
    error("not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[6]),
            minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    error("unsupported .npy format version ", major, ".", minor);
  const size_t length_field = major == 1 ? 2 : 4;
  if (bytes.size() < kMagicLength + 2 + length_field) error("file ends inside the header length");
  size_t header_length = 0;
  for (size_t i = 0; i < length_field; ++i)
    header_length |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  const size_t header_start = 8 + length_field;
  if (header_length > bytes.size() - header_start)
    error("header length ", header_length, " goes past the end of the file (", bytes.size(),
          " bytes)");

  // Versions 1.0 and 2.0 use latin-1 text, 3.0 UTF-8; the parts we accept are ASCII in both.
  const Header h = HeaderParser(bytes.substr(header_start, header_length), source).parse();

  if (!h.descr.empty() && h.descr[0] == '>')
    error("big-endian data ('", h.descr, "') is not supported");
  const DTypeInfo* dtype = dtype_from_npy(h.descr);
  if (!dtype) error("unsupported dtype '", h.descr, "'");

  // The bytes the data must have, and (zero sizes aside) no more elements than
  // a tensor can hold: (0, 2^62, 2^62) needs no bytes but is no tensor shape.
  int64_t expected = dtype->size, nonzero = 1;
  for (int64_t d : h.shape)
    if (!checked_mul(expected, d, &expected) || !checked_mul(nonzero, d ? d : 1, &nonzero) ||
        nonzero > kMaxNumel)
      error("shape ", h.shape, " is too large");
  const std::string_view data = bytes.substr(header_start + header_length);
  if (static_cast<int64_t>(data.size()) != expected)
    error("data is ", data.size(), " bytes but shape ", h.shape, " of '", h.descr, "' needs ",
          expected);

  std::vector<float> values(static_cast<size_t>(numel_of(h.shape)));
  if (!values.empty()) decode_to_float(dtype->dtype, data.data(), numel_of(h.shape), values.data());
  if (h.fortran_order && h.shape.size() > 1) values = fortran_to_row_major(values, h.shape);
  return from_vector(std::move(values), h.shape);
}

void save_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, encode_npy(t)); }

Tensor load_npy(const std::string& path) { return decode_npy(read_file(path), path); }

}  // namespace ag::io
