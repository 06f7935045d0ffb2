# tutorials/gdb/attograd_gdb.py: gdb pretty-printers for attograd.
#
# With this loaded, `p scores` in gdb shows
#     Tensor "scores" [4, 4] = [[0.1000, 0.2000, ...], ...]
# instead of a wall of shared_ptr internals. Load it with `make gdb T=02`, or
# add this line to ~/.gdbinit:
#     source /path/to/attograd/tutorials/gdb/attograd_gdb.py
# It reads libstdc++'s layouts of std::shared_ptr, std::vector and
# std::string (g++'s standard library, what this project builds with).
import gdb

MAX_VALUES = 8  # values shown per row, and rows shown, before "..."


def _shared_ptr_target(sp):
    ptr = sp["_M_ptr"]
    return None if int(ptr) == 0 else ptr.dereference()


def _vector_items(vec):
    start = vec["_M_impl"]["_M_start"]
    finish = vec["_M_impl"]["_M_finish"]
    return start, int(finish - start)


def _string(s):
    return s["_M_dataplus"]["_M_p"].string(length=int(s["_M_string_length"]))


def _format_values(data, shape):
    """Nested brackets for up to MAX_VALUES items per dimension, 4 decimals."""
    def rec(offset, dim):
        if dim == len(shape):
            return "%.4f" % float(data[offset])
        stride = 1
        for s in shape[dim + 1:]:
            stride *= s
        shown = min(shape[dim], MAX_VALUES)
        parts = [rec(offset + i * stride, dim + 1) for i in range(shown)]
        if shape[dim] > shown:
            parts.append("...")
        return "[" + ", ".join(parts) + "]"
    return rec(0, 0)


def describe_impl(impl):
    start, rank = _vector_items(impl["shape"])
    shape = [int(start[i]) for i in range(rank)]
    name = _string(impl["name"])
    storage = _shared_ptr_target(impl["storage"])
    label = 'Tensor "%s" ' % name if name else "Tensor "
    label += "[" + ", ".join(str(s) for s in shape) + "]"
    if storage is None:
        return label + " (no storage)"
    data, count = _vector_items(storage["data"])
    numel = 1
    for s in shape:
        numel *= s
    if count < numel:
        return label + " (storage too small: %d < %d)" % (count, numel)
    text = label + " = " + _format_values(data, shape)
    if bool(impl["requires_grad"]):
        fn = _shared_ptr_target(impl["grad_fn"])
        text += " (grad_fn)" if fn is not None else " (requires_grad)"
    return text


class TensorPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        impl = _shared_ptr_target(self.val["impl_"])
        if impl is None:
            return "Tensor (undefined)"
        return describe_impl(impl)


class TensorImplPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        return describe_impl(self.val)


def _lookup(val):
    t = val.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_REF:
        t = t.target().strip_typedefs()
    name = t.unqualified().tag
    if name == "ag::Tensor":
        return TensorPrinter(val)
    if name == "ag::TensorImpl":
        return TensorImplPrinter(val)
    return None


gdb.pretty_printers.append(_lookup)
