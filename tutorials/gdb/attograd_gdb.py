# tutorials/gdb/attograd_gdb.py: gdb pretty-printers and commands for attograd.
#
# With this loaded:
#   bt, breakpoints                one line per tensor: name, shape, the op that
#                                  made it, the first values
#       Tensor "scaled" [4, 4] grad_fn=DivBackward [0.1500, 0.2000, -0.0950, 0.0100, ...]
#   p scores, info locals          that line, then up to 8 rows of up to 8 values
#   ag-print scores [rows]         every value (or the first `rows` rows), 4 decimals
# A tensor that is not constructed yet (a local before its line ran) prints as
# <uninitialised>, a default-constructed one as <undefined>: the printer checks
# every pointer and size before it reads, and never lets an error escape.
#
# Load it with `make gdb T=02`, or add this line to ~/.gdbinit:
#     source /path/to/attograd/tutorials/gdb/attograd_gdb.py
# It reads libstdc++'s layouts of std::shared_ptr, std::vector and
# std::string (g++'s standard library, what this project builds with), and
# the two fields of attograd's FloatBuffer (core/allocator.h).
import re
import struct

import gdb

SUMMARY_VALUES = 4  # values in the one-line summary
MAX_VALUES = 8      # values per row, and rows, that `p` shows before "..."
MAX_RANK = 8        # sanity limits: a garbage TensorImpl fails these checks
MAX_DIM = 1 << 31
MAX_NUMEL = 1 << 34
MAX_NAME = 4096

# Everything gdb can raise while reading a half-built object.
READ_ERRORS = (gdb.MemoryError, gdb.error, OverflowError, ValueError, RuntimeError,
               UnicodeDecodeError, struct.error)


class Garbage(Exception):
    """The memory does not hold a constructed tensor."""


def _pointer(value):
    """A pointer's address, checked for null and alignment (garbage is often odd)."""
    address = int(value)
    if address % 8 != 0:
        raise Garbage()
    return address


def _shared_ptr_address(sp):
    return _pointer(sp["_M_ptr"])


def _vector_span(vec, item_size):
    """(address of the first item, item count) of a std::vector, validated."""
    impl = vec["_M_impl"]
    start = int(impl["_M_start"])
    finish = int(impl["_M_finish"])
    end = int(impl["_M_end_of_storage"])
    if start == 0 and finish == 0 and end == 0:
        return 0, 0
    if not (0 < start <= finish <= end) or (finish - start) % item_size:
        raise Garbage()
    return start, (finish - start) // item_size


def _float_buffer_span(buffer):
    """(address of the first float, float count) of an ag::FloatBuffer, validated."""
    start = int(buffer["data_"])
    count = int(buffer["size_"])
    if start == 0 and count == 0:
        return 0, 0
    if start == 0 or start % 64 or not 0 < count <= MAX_NUMEL:  # the allocator's blocks are 64-byte aligned
        raise Garbage()
    return start, count


def _read(address, size):
    return bytes(gdb.selected_inferior().read_memory(address, size))


def _string(s):
    length = int(s["_M_string_length"])
    if length < 0 or length > MAX_NAME:
        raise Garbage()
    if length == 0:
        return ""
    address = int(s["_M_dataplus"]["_M_p"])  # chars: any alignment
    if address == 0:
        raise Garbage()
    return _read(address, length).decode("utf-8")


def _op_name(node_ptr):
    """The backward node's op name: SoftmaxBackward, DivBackward, ...

    Read from the node's vtable pointer and the ELF symbol it points into
    ("vtable for ag::SoftmaxBackward"), so it works for a library built
    without -g too. The tensor-by-number variants (DivScalarBackward, for
    scores / 2) show as their op, as Node::name() and graph drawings name them."""
    vptr = int(node_ptr.cast(gdb.lookup_type("unsigned long").pointer()).dereference())
    symbol = gdb.execute("info symbol 0x%x" % vptr, to_string=True)
    found = re.match(r"vtable for (.+?) \+ \d+ in section", symbol)
    if not found:
        return "?"
    name = found.group(1)
    for prefix in ("ag::(anonymous namespace)::", "(anonymous namespace)::", "ag::"):
        name = name.replace(prefix, "")
    return name.replace("ScalarBackward", "Backward")


class TensorView:
    """What a TensorImpl holds, read once and checked."""

    def __init__(self, impl):
        start, rank = _vector_span(impl["shape"], 8)
        if rank > MAX_RANK:
            raise Garbage()
        self.shape = list(struct.unpack("<%dq" % rank, _read(start, 8 * rank))) if rank else []
        self.numel = 1
        for d in self.shape:
            if d < 0 or d > MAX_DIM:
                raise Garbage()
            self.numel *= d
        if self.numel > MAX_NUMEL:
            raise Garbage()
        self.name = _string(impl["name"])
        self.data = None  # address of the floats, when there is storage enough
        self.problem = ""
        storage_address = _shared_ptr_address(impl["storage"])
        if storage_address == 0:
            self.problem = "(no storage)"
        else:
            storage = impl["storage"]["_M_ptr"].dereference()
            data, count = _float_buffer_span(storage["data"])
            if count < self.numel:
                self.problem = "(storage too small: %d < %d)" % (count, self.numel)
            else:
                self.data = data
        self.op = ""
        self.requires_grad = bool(impl["requires_grad"])
        grad_fn = impl["grad_fn"]["_M_ptr"]
        if _pointer(grad_fn) != 0:
            self.op = _op_name(grad_fn)

    def values(self, first, count):
        """`count` floats from flat index `first`."""
        count = max(0, min(count, self.numel - first))
        if self.data is None or count == 0:
            return []
        return list(struct.unpack("<%df" % count, _read(self.data + 4 * first, 4 * count)))

    def header(self):
        text = 'Tensor "%s" ' % self.name if self.name else "Tensor "
        text += "[" + ", ".join(str(s) for s in self.shape) + "]"
        if self.op:
            text += " grad_fn=" + self.op
        elif self.requires_grad:
            text += " requires_grad"
        return text

    def summary(self):
        if self.problem:
            return self.header() + " " + self.problem
        shown = self.values(0, SUMMARY_VALUES)
        more = ", ..." if self.numel > len(shown) else ""
        return self.header() + " [" + ", ".join(_number(v) for v in shown) + more + "]"

    def row_length(self):
        return self.shape[-1] if self.shape else 1

    def rows(self):
        """Number of rows: every dimension but the last, flattened."""
        n = self.row_length()
        return self.numel // n if n else 0

    def row_label(self, r):
        index, rest = [], r
        for size in reversed(self.shape[:-1]):
            index.append(rest % size)
            rest //= size
        return "[" + ", ".join(str(i) for i in reversed(index)) + "]"

    def row_text(self, r, limit):
        n = self.row_length()
        shown = self.values(r * n, min(n, limit))
        more = ", ..." if n > len(shown) else ""
        return "[" + ", ".join(_number(v) for v in shown) + more + "]"


def _number(v):
    return "%.4f" % v


def _view(tensor_value):
    """(TensorView or None, text to print instead)."""
    try:
        impl_address = _shared_ptr_address(tensor_value["impl_"])
        if impl_address == 0:
            return None, "Tensor <undefined>"
        return TensorView(tensor_value["impl_"]["_M_ptr"].dereference()), ""
    except (Garbage,) + READ_ERRORS:
        return None, "Tensor <uninitialised>"


def _impl_view(impl_value):
    try:
        return TensorView(impl_value), ""
    except (Garbage,) + READ_ERRORS:
        return None, "TensorImpl <uninitialised>"


class TensorPrinter:
    """to_string is the one-line summary (all that bt and breakpoints show);
    `p` and `info locals` add up to MAX_VALUES rows as children."""

    def __init__(self, view, fallback):
        self.view = view
        self.fallback = fallback

    def to_string(self):
        if self.view is None:
            return self.fallback
        try:
            return self.view.summary()
        except READ_ERRORS:
            return "Tensor <uninitialised>"

    def children(self):
        view = self.view
        if view is None or view.data is None or view.numel <= SUMMARY_VALUES or len(view.shape) < 2:
            return
        try:
            rows = view.rows()
            for r in range(min(rows, MAX_VALUES)):
                yield view.row_label(r), view.row_text(r, MAX_VALUES)
            if rows > MAX_VALUES:
                yield "...", "%d more rows: ag-print shows them" % (rows - MAX_VALUES)
        except READ_ERRORS:
            return


def _lookup(val):
    try:
        t = val.type.strip_typedefs()
        if t.code == gdb.TYPE_CODE_REF or t.code == gdb.TYPE_CODE_RVALUE_REF:
            t = t.target().strip_typedefs()
        name = t.unqualified().tag
    except READ_ERRORS:
        return None
    if name == "ag::Tensor":
        return TensorPrinter(*_view(val))
    if name == "ag::TensorImpl":
        return TensorPrinter(*_impl_view(val))
    return None


def _nested(view, limit_rows):
    """Every value in nested brackets (numpy-like), at most limit_rows rows."""
    if view.data is None:
        return view.problem
    if not view.shape:
        return _number(view.values(0, 1)[0])
    lines = []
    rows = view.rows() if limit_rows is None else min(view.rows(), limit_rows)
    for r in range(rows):
        lines.append(view.row_label(r) + " " + view.row_text(r, view.row_length()))
    if rows < view.rows():
        lines.append("... %d more rows" % (view.rows() - rows))
    return "\n".join(lines)


class AgPrint(gdb.Command):
    """ag-print EXPRESSION [ROWS]: print a tensor with all of its values.

Each row (the last dimension) on its own line, labelled by its index over the
other dimensions, 4 decimals. With ROWS, only the first ROWS rows."""

    def __init__(self):
        super().__init__("ag-print", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, argument, from_tty):
        words = argument.split()
        if not words:
            raise gdb.GdbError("usage: ag-print EXPRESSION [ROWS]")
        limit = None
        if len(words) > 1 and words[-1].isdigit():
            limit = int(words[-1])
            words = words[:-1]
        value = gdb.parse_and_eval(" ".join(words))
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            value = value.dereference()
        printer = _lookup(value)
        if printer is None:
            raise gdb.GdbError("ag-print: %s is not an ag::Tensor" % " ".join(words))
        if printer.view is None:
            gdb.write(printer.fallback + "\n")
            return
        try:
            gdb.write(printer.view.header() + "\n" + _nested(printer.view, limit) + "\n")
        except READ_ERRORS:
            gdb.write("Tensor <uninitialised>\n")


# bt and breakpoint lines print arguments in gdb's "summary" mode (the default
# `set print frame-arguments scalars`): to_string's one line, then "= {...}"
# for the rows that `p` would show.
gdb.pretty_printers.append(_lookup)
AgPrint()
