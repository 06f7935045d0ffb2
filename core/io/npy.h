// core/io/npy.h: single tensors in NumPy's .npy format (np.save / np.load).
//
// A .npy file is a short text header followed by the raw array bytes:
//
//   \x93NUMPY          6 magic bytes
//   \x01 \x00          format version 1.0 (major, minor)
//   HL                 header length: uint16 little-endian (uint32 in 2.0 and 3.0)
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }     then
//   spaces and one '\n', so that the data starts at a multiple of 64 bytes
//   data               numel * itemsize bytes
//
// The header is a Python dict literal. descr is NumPy's type string: '<'
// little-endian ('>' big, '|' not applicable), a kind letter (f float, i int,
// u unsigned, b bool) and the item size in bytes. shape is a Python tuple:
// () for a 0-d array, (5,) for 1-d (the comma makes it a tuple), (2, 3) ...
// NumPy also leaves 21 - len(str(shape[0])) spare spaces after the '}' so the
// header can be rewritten in place when an array grows; we write the same, so
// our files are byte-identical to np.save's.
//
// Writing: always version 1.0, '<f4', C order (2.0 only if the header would
// not fit in 64 KiB, as NumPy does).
// Reading: versions 1.0, 2.0 and 3.0; descr '<f4' as is; '<f8', '<f2', '<i8',
// '<i4', '<i2', '|i1', '<u8', '<u4', '<u2', '|u1' and '|b1' converted to float.
// Big-endian data is an error (NumPy writes it only if asked to). A
// fortran_order True file (what np.save(f, x.T) writes for a 2-D x) is read
// correctly: its elements are stored first-index-fastest and are reordered to
// attograd's row-major layout while loading, so the result equals the array
// NumPy would give. Every malformed file throws ag::Error naming the file.
#pragma once

#include <string>
#include <string_view>

#include "core/tensor.h"

namespace ag::io {

void save_npy(const std::string& path, const Tensor& t);  // atomic, see core/io/atomic_file.h
Tensor load_npy(const std::string& path);

// The same in memory; source names the bytes in error messages.
std::string encode_npy(const Tensor& t);
Tensor decode_npy(std::string_view bytes, const std::string& source = "<memory>");

}  // namespace ag::io
