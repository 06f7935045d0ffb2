// core.io, part 3: .npy. Byte-exact against np.save's output written out by
// hand, exact round trips, other dtypes and versions, Fortran order, bad files.
#include <doctest/doctest.h>

#include <memory>

#include "core/io/npy.h"
#include "tests/helpers/io_test_util.h"

using namespace ag;
using namespace ag::io;
using ag_test::bytes;

namespace {

const std::string kMagic = bytes({0x93, 'N', 'U', 'M', 'P', 'Y'});

// A file as another writer might produce it: version, header dict + '\n'
// (no alignment padding: readers must not depend on it), then data.
std::string npy_file(int major, const std::string& dict, const std::string& data) {
  const std::string header = dict + "\n";
  std::string out = kMagic + bytes({major, 0});
  const int length_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < length_bytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape,
                 const std::string& order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

Tensor decode(const std::string& file) { return decode_npy(file, "bad.npy"); }

}  // namespace

TEST_SUITE("core.io") {

TEST_CASE("npy: files match np.save's bytes written by hand") {
  // np.save of np.arange(6, dtype=np.float32).reshape(2, 3). The dict is 59
  // characters; NumPy adds 20 spare spaces (21 - len("2")), then pads with
  // spaces and '\n' so 10 + header_len is a multiple of 64: header_len = 118
  // (0x76), data at byte 128. 0..5 as float32: 0, 0x3F800000, 0x40000000,
  // 0x40400000, 0x40800000, 0x40A00000, little-endian.
  const std::string expected = kMagic + bytes({1, 0, 0x76, 0x00}) +
                               "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
                               std::string(118 - 59 - 1, ' ') + "\n" +
                               bytes({0, 0, 0,    0,    0, 0, 0x80, 0x3F, 0, 0, 0,    0x40,
                                      0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xA0, 0x40});
  CHECK(encode_npy(tensor({{0, 1, 2}, {3, 4, 5}})) == expected);

  // np.save of np.float32(1.5): shape (), no spare spaces; 1.5f = 0x3FC00000.
  CHECK(encode_npy(scalar(1.5f)) == kMagic + bytes({1, 0, 0x76, 0x00}) +
                                        "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" +
                                        std::string(118 - 55 - 1, ' ') + "\n" +
                                        bytes({0, 0, 0xC0, 0x3F}));

  // A 1-tuple keeps its comma: (1,). -1.0f = 0xBF800000.
  CHECK(encode_npy(tensor({-1.0f})) ==
        kMagic + bytes({1, 0, 0x76, 0x00}) +
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" +
            std::string(118 - 57 - 1, ' ') + "\n" + bytes({0, 0, 0x80, 0xBF}));

  // Here NumPy's 20 spare spaces push the header past 128 bytes: the dict is
  // 98 characters, 98 + 20 + '\n' = 119, so header_len = 182 (0xB6) and the
  // data starts at 192. Without the spare spaces it would be 118. (Many dims,
  // not large ones: like NumPy, attograd refuses a shape whose non-zero sizes
  // multiply past 2^61, even with a 0 among them.)
  const Shape wide = {0, 1000, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const std::string wide_dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
      "1, 1), }";
  CHECK(encode_npy(zeros(wide)) ==
        kMagic + bytes({1, 0, 0xB6, 0x00}) + wide_dict + std::string(182 - 98 - 1, ' ') + "\n");
  CHECK(decode_npy(encode_npy(zeros(wide))).shape() == wide);
}

TEST_CASE("npy: round trips through a file are exact") {
  ag_test::TempDir dir;
  const std::vector<Shape> shapes = {{}, {0}, {5}, {2, 3}, {2, 3, 4}, {1, 0, 3}, {3, 1, 2, 2}};
  Generator gen(7);
  for (const Shape& shape : shapes) {
    INFO("shape " << shape_str(shape));
    std::vector<float> values(static_cast<size_t>(numel_of(shape)));
    for (float& v : values) v = gen.normal();
    Tensor t = from_vector(values, shape);
    const std::string path = dir.file("t.npy");
    save_npy(path, t);
    CHECK(ag_test::bit_equal(load_npy(path), t));
  }
  Tensor special = tensor({0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f});
  CHECK(ag_test::bit_equal(decode_npy(encode_npy(special)), special));
  CHECK(dir.temp_files() == 0);
}

TEST_CASE("npy: other dtypes, versions and header spellings") {
  // '<f8' 0.5, -3 (0x3FE0000000000000, 0xC008000000000000)
  CHECK(decode(npy_file(1, dict("<f8", "(2,)"),
                        bytes({0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0, 0, 0, 0, 0, 0, 0x08, 0xC0})))
            .to_vector() == std::vector<float>{0.5f, -3.0f});
  // '<i8' -5, 2^40
  CHECK(decode(npy_file(
                   1, dict("<i8", "(2,)"),
                   bytes({0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0})))
            .to_vector() == std::vector<float>{-5.0f, 1099511627776.0f});
  // '<i4' 7, -7 as a (2, 1) column
  Tensor column =
      decode(npy_file(1, dict("<i4", "(2, 1)"), bytes({7, 0, 0, 0, 0xF9, 0xFF, 0xFF, 0xFF})));
  CHECK(column.shape() == Shape{2, 1});
  CHECK(column.to_vector() == std::vector<float>{7.0f, -7.0f});
  CHECK(decode(npy_file(1, dict("|u1", "(2,)"), bytes({3, 250}))).to_vector() ==
        std::vector<float>{3.0f, 250.0f});
  CHECK(decode(npy_file(1, dict("|b1", "(2,)"), bytes({1, 0}))).to_vector() ==
        std::vector<float>{1.0f, 0.0f});
  // Versions 2.0 and 3.0 have a 4-byte header length.
  const std::string one = bytes({0, 0, 0x80, 0x3F});
  CHECK(decode(npy_file(2, dict("<f4", "(1,)"), one)).item() == 1.0f);
  CHECK(decode(npy_file(3, dict("<f4", "()"), one)).shape() == Shape{});
  // Keys in any order, double quotes, no trailing comma, Python 2 longs.
  CHECK(decode(npy_file(1, "{\"shape\": (1L,), \"descr\": \"<f4\", \"fortran_order\": False}", one))
            .item() == 1.0f);
}

TEST_CASE("npy: fortran_order files are reordered to row-major") {
  // np.save(f, np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32, order='F'))
  // stores columns first: 1 4 2 5 3 6.
  std::string data;
  for (float v : {1.0f, 4.0f, 2.0f, 5.0f, 3.0f, 6.0f})
    data.append(reinterpret_cast<const char*>(&v), 4);
  Tensor t = decode(npy_file(1, dict("<f4", "(2, 3)", "True"), data));
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});

  // 3-D: element (i, j, k) = 100i + 10j + k sits at file position i + 2*(j + 3*k).
  std::vector<float> file_order(24), row_major;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        file_order[i + 2 * (j + 3 * k)] = 100.0f * i + 10.0f * j + k;
        row_major.push_back(100.0f * i + 10.0f * j + k);
      }
  std::string data3(reinterpret_cast<const char*>(file_order.data()), 24 * 4);
  CHECK(decode(npy_file(1, dict("<f4", "(2, 3, 4)", "True"), data3)).to_vector() == row_major);
  // 1-D: the two orders agree.
  CHECK(decode(npy_file(1, dict("<f4", "(1,)", "True"), data.substr(0, 4))).item() == 1.0f);
}

TEST_CASE("npy: every malformed file names the file and the problem") {
  const std::string prefix = "load_npy: 'bad.npy': ";
  const std::string four = bytes({0, 0, 0x80, 0x3F});
  CHECK_FAILS_WITH(decode("PK\x03\x04 not npy"), prefix + "not a .npy file (no \\x93NUMPY magic)");
  CHECK_FAILS_WITH(decode(kMagic + bytes({4, 0, 0, 0})),
                   prefix + "unsupported .npy format version 4.0");
  CHECK_FAILS_WITH(decode(kMagic + bytes({1, 0, 5})),
                   prefix + "file ends inside the header length");
  CHECK_FAILS_WITH(decode(kMagic + bytes({1, 0, 0xFF, 0x00}) + "{}"),
                   prefix + "header length 255 goes past the end of the file (12 bytes)");
  CHECK_FAILS_WITH(decode(npy_file(1, dict(">f4", "(1,)"), four)),
                   prefix + "big-endian data ('>f4') is not supported");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<c8", "(1,)"), four)),
                   prefix + "unsupported dtype '<c8'");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(2, 3)"), std::string(20, '\0'))),
                   prefix + "data is 20 bytes but shape [2, 3] of '<f4' needs 24");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(1,)"), four + "xx")),
                   prefix + "data is 6 bytes but shape [1] of '<f4' needs 4");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(3)"), four)),
                   "shape must be a tuple: a single size needs a comma, as (n,)");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(-1,)"), four)),
                   "expected a non-negative size in shape");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(99999999999999999999,)"), four)),
                   "size in shape is too large");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(4611686018427387904, 2)"), four)),
                   "shape [4611686018427387904, 2] is too large");
  // No data bytes at all, yet no tensor shape: the non-zero sizes multiply past 2^61.
  CHECK_FAILS_WITH(
      decode(npy_file(1, dict("<f4", "(0, 4611686018427387904, 4611686018427387904)"), "")),
      prefix + "shape [0, 4611686018427387904, 4611686018427387904] is too large");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(1,)", "Maybe"), four)),
                   "fortran_order must be True or False");
  CHECK_FAILS_WITH(decode(npy_file(1, "{'descr': '<f4', 'shape': (1,), }", four)),
                   prefix + "header lacks 'fortran_order'");
  CHECK_FAILS_WITH(decode(npy_file(1, "{'descr': '<f4', 'descr': '<f4', }", four)),
                   "unexpected or repeated key 'descr' in header (at byte");
  CHECK_FAILS_WITH(decode(npy_file(1, dict("<f4", "(1,)") + " x", four)),
                   "unexpected text after the header dict");
  CHECK_FAILS_WITH(decode(npy_file(1, "{'descr: '<f4'", four)), "expected ':'");
  CHECK_FAILS_WITH(decode(npy_file(1, "{'descr", four)), "unterminated string");
  CHECK_FAILS_WITH(decode(npy_file(1, "{'descr': [('x', '<f4')], }", four)),
                   "expected a quoted string");
  CHECK_FAILS_WITH(save_npy("/tmp/x.npy", Tensor()), "save_npy: the tensor is undefined");
}

TEST_CASE("npy: truncated files throw, never crash") {
  const std::string good = encode_npy(tensor({{1, 2, 3}, {4, 5, 6}}));
  for (size_t n = 0; n < good.size(); ++n) {
    std::unique_ptr<char[]> prefix(new char[n + 1]);  // exact size for ASan
    std::memcpy(prefix.get(), good.data(), n);
    INFO("prefix of " << n << " bytes");
    CHECK(ag_test::error_of([&] { decode_npy(std::string_view(prefix.get(), n)); }) !=
          "<no error>");
  }
}

}  // TEST_SUITE("core.io")
