# tutorials/lldb/attograd_lldb.py: lldb formatters and commands for attograd,
# the twin of tutorials/gdb/attograd_gdb.py for lldb (macOS's debugger).
#
# With this loaded:
#   bt, frame variable, breakpoints  one line per tensor: name, shape, the op that
#                                    made it, the first values
#       Tensor "scaled" [4, 4] grad_fn=DivBackward [0.1500, 0.2000, -0.0950, 0.0100, ...]
#   p scores, v scores               that line, then up to 8 rows of up to 8 values
#   ag-print scores [rows]           every value (or the first `rows` rows), 4 decimals
# A tensor that is not constructed yet (a local before its line ran) prints as
# <uninitialised>, a default-constructed one as <undefined>: the formatter checks
# every pointer and size before it reads, and never lets an error escape.
#
# Load it with `make lldb T=02`, or add this line to ~/.lldbinit:
#     command script import /path/to/attograd/tutorials/lldb/attograd_lldb.py
# It reads both standard libraries' layouts of std::shared_ptr, std::vector
# and std::string: libstdc++'s (g++ on Linux) and libc++'s (Apple's clang,
# `make STDLIB=libc++`), and the two fields of attograd's FloatBuffer
# (core/allocator.h).
import bisect
import struct

import lldb

SUMMARY_VALUES = 4  # values in the one-line summary
MAX_VALUES = 8      # values per row, and rows, that `p` shows
MAX_RANK = 8        # sanity limits: a garbage TensorImpl fails these checks
MAX_DIM = 1 << 31
MAX_NUMEL = 1 << 34
MAX_NAME = 4096


class Garbage(Exception):
    """The memory does not hold a constructed tensor."""


def _member(value, *names):
    """The first of `names` that `value` has: the two standard libraries name
    the same field differently (_M_ptr in libstdc++, __ptr_ in libc++)."""
    value = value.GetNonSyntheticValue()  # the real fields, not our TensorRows
    for name in names:
        child = value.GetChildMemberWithName(name)
        if child.IsValid():
            return child
    raise Garbage()


def _unsigned(value):
    error = lldb.SBError()
    number = value.GetValueAsUnsigned(error)
    if error.Fail():
        raise Garbage()
    return number


def _pointer(value):
    """A pointer's address, checked for alignment (garbage is often odd)."""
    address = _unsigned(value)
    if address % 8 != 0:
        raise Garbage()
    return address


def _shared_ptr_address(sp):
    return _pointer(_member(sp.GetNonSyntheticValue(), "_M_ptr", "__ptr_"))


def _read(process, address, size):
    error = lldb.SBError()
    data = process.ReadMemory(address, size, error)
    if error.Fail() or data is None or len(data) != size:
        raise Garbage()
    return data


def _vector_span(vec, item_size):
    """(address of the first item, item count) of a std::vector, validated."""
    vec = vec.GetNonSyntheticValue()
    impl = vec.GetChildMemberWithName("_M_impl")
    if impl.IsValid():  # libstdc++
        start = _unsigned(_member(impl, "_M_start"))
        finish = _unsigned(_member(impl, "_M_finish"))
    else:  # libc++
        start = _unsigned(_member(vec, "__begin_"))
        finish = _unsigned(_member(vec, "__end_"))
    if start == 0 and finish == 0:
        return 0, 0
    if not 0 < start <= finish or (finish - start) % item_size:
        raise Garbage()
    return start, (finish - start) // item_size


def _string(process, s):
    s = s.GetNonSyntheticValue()
    length_field = s.GetChildMemberWithName("_M_string_length")
    if length_field.IsValid():  # libstdc++: length, then a pointer to the chars
        length = _unsigned(length_field)
        if length > MAX_NAME:
            raise Garbage()
        if length == 0:
            return ""
        address = _unsigned(_member(_member(s, "_M_dataplus"), "_M_p"))
        if address == 0:
            raise Garbage()
        return _read(process, address, length).decode("utf-8")
    # libc++ keeps short strings inside the object, in a layout that changed
    # between versions: lldb's own std::string summary knows them all.
    text = s.GetSummary()
    if text is None or len(text) < 2 or len(text) > MAX_NAME or not text.startswith('"'):
        raise Garbage()
    return text[1:-1]


_VTABLES = {}  # target -> sorted [(load address, end, class name)] of every "vtable for X"


def _vtables(target):
    """Every vtable of the program, by load address. lldb 14 does not resolve an
    address inside .data.rel.ro back to its symbol, so the table is built once
    from the modules' symbols."""
    key = target.GetExecutable().fullpath
    if key not in _VTABLES:
        table = []
        for module in target.module_iter():
            for symbol in module:
                name = symbol.GetName() or ""
                if name.startswith("vtable for "):
                    start = symbol.GetStartAddress().GetLoadAddress(target)
                    end = symbol.GetEndAddress().GetLoadAddress(target)
                    if start != lldb.LLDB_INVALID_ADDRESS:
                        table.append((start, end, name[len("vtable for "):]))
        table.sort()
        _VTABLES[key] = table
    return _VTABLES[key]


def _op_name(target, node_address, process):
    """The backward node's op name: SoftmaxBackward, DivBackward, ...

    Read from the node's vtable pointer and the vtable symbol it points into
    ("vtable for ag::SoftmaxBackward"), so it works for a library built
    without -g too. The tensor-by-number variants (DivScalarBackward, for
    scores / 2) show as their op, as Node::name() and graph drawings name them."""
    vptr = struct.unpack("<Q", _read(process, node_address, 8))[0]
    table = _vtables(target)
    at = bisect.bisect_right(table, (vptr, float("inf"), "")) - 1
    if at < 0 or not table[at][0] <= vptr < table[at][1]:
        return "?"
    name = table[at][2]
    for prefix in ("ag::(anonymous namespace)::", "(anonymous namespace)::", "ag::"):
        name = name.replace(prefix, "")
    return name.replace("ScalarBackward", "Backward")


class TensorView:
    """What a TensorImpl holds, read once and checked."""

    def __init__(self, impl):
        process = impl.GetProcess()
        self.process = process
        start, rank = _vector_span(_member(impl, "shape"), 8)
        if rank > MAX_RANK:
            raise Garbage()
        self.shape = list(struct.unpack("<%dq" % rank, _read(process, start, 8 * rank))) if rank else []
        self.numel = 1
        for d in self.shape:
            if d < 0 or d > MAX_DIM:
                raise Garbage()
            self.numel *= d
        if self.numel > MAX_NUMEL:
            raise Garbage()
        self.name = _string(process, _member(impl, "name"))
        self.data = None  # address of the floats, when there is storage enough
        self.problem = ""
        storage_ptr = _member(_member(impl, "storage").GetNonSyntheticValue(), "_M_ptr", "__ptr_")
        if _pointer(storage_ptr) == 0:
            self.problem = "(no storage)"
        else:
            buffer = _member(storage_ptr.Dereference(), "data")  # an ag::FloatBuffer
            data = _unsigned(_member(buffer, "data_"))
            count = _unsigned(_member(buffer, "size_"))
            if data == 0 and count == 0:
                count = 0
            elif data % 64 or not 0 < count <= MAX_NUMEL:  # the allocator's blocks are 64-byte aligned
                raise Garbage()
            if count < self.numel:
                self.problem = "(storage too small: %d < %d)" % (count, self.numel)
            else:
                self.data = data
        self.requires_grad = _unsigned(_member(impl, "requires_grad")) != 0
        self.op = ""
        grad_fn = _shared_ptr_address(_member(impl, "grad_fn"))
        if grad_fn != 0:
            self.op = _op_name(process.GetTarget(), grad_fn, process)

    def values(self, first, count):
        """`count` floats from flat index `first`."""
        count = max(0, min(count, self.numel - first))
        if self.data is None or count == 0:
            return []
        return list(struct.unpack("<%df" % count, _read(self.process, self.data + 4 * first, 4 * count)))

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


def _dereferenced(value):
    """A reference (a `const ag::Tensor&` argument) as the value it refers to."""
    value = value.GetNonSyntheticValue()
    return value.Dereference() if value.GetType().IsReferenceType() else value


def _type_name(value):
    """"ag::Tensor" for an ag::Tensor, a const one, or a reference to one."""
    return _dereferenced(value).GetType().GetCanonicalType().GetUnqualifiedType().GetName()


def _impl_of(valobj):
    """The TensorImpl an ag::Tensor (or a TensorImpl) refers to, or None for an
    undefined tensor."""
    value = _dereferenced(valobj)
    if _type_name(value) == "ag::TensorImpl":
        return value, "TensorImpl"
    address = _shared_ptr_address(_member(value, "impl_"))
    if address == 0:
        return None, "Tensor"
    impl_type = value.GetTarget().FindFirstType("ag::TensorImpl")
    return value.CreateValueFromAddress("impl", address, impl_type), "Tensor"


def _view(valobj):
    """(TensorView or None, text to print instead)."""
    kind = "Tensor"
    try:
        impl, kind = _impl_of(valobj)
        if impl is None:
            return None, "Tensor <undefined>"
        return TensorView(impl), ""
    except (Garbage, UnicodeDecodeError, struct.error, OverflowError, ValueError):
        return None, kind + " <uninitialised>"


def tensor_summary(valobj, internal_dict):
    """The one line bt, breakpoints and `frame variable` show."""
    view, fallback = _view(valobj)
    if view is None:
        return fallback
    try:
        return view.summary()
    except (Garbage, struct.error):
        return "Tensor <uninitialised>"


class TensorRows:
    """`p` and `v` show up to MAX_VALUES rows, each a float array of up to
    MAX_VALUES values read straight from the tensor's storage."""

    def __init__(self, valobj, internal_dict):
        self.valobj = valobj
        self.view = None

    def update(self):
        self.view, _ = _view(self.valobj)
        return False

    def num_children(self):
        view = self.view
        if view is None or view.data is None or view.numel <= SUMMARY_VALUES or len(view.shape) < 2:
            return 0
        return min(view.rows(), MAX_VALUES)

    def get_child_index(self, name):
        try:
            return int(name.lstrip("[").rstrip("]"))
        except ValueError:
            return -1

    def get_child_at_index(self, index):
        view = self.view
        if view is None or index < 0 or index >= self.num_children():
            return None
        n = min(view.row_length(), MAX_VALUES)
        row_type = self.valobj.GetTarget().GetBasicType(lldb.eBasicTypeFloat).GetArrayType(n)
        address = view.data + 4 * index * view.row_length()
        return self.valobj.CreateValueFromAddress(view.row_label(index), address, row_type)

    def has_children(self):
        return self.num_children() > 0


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


def ag_print(debugger, command, result, internal_dict):
    """ag-print EXPRESSION [ROWS]: print a tensor with all of its values.

Each row (the last dimension) on its own line, labelled by its index over the
other dimensions, 4 decimals. With ROWS, only the first ROWS rows."""
    words = command.split()
    if not words:
        result.SetError("usage: ag-print EXPRESSION [ROWS]")
        return
    limit = None
    if len(words) > 1 and words[-1].isdigit():
        limit = int(words[-1])
        words = words[:-1]
    expression = " ".join(words)
    frame = debugger.GetSelectedTarget().GetProcess().GetSelectedThread().GetSelectedFrame()
    value = frame.GetValueForVariablePath(expression)
    if not value.IsValid() or value.GetError().Fail():
        value = frame.EvaluateExpression(expression)
    if not value.IsValid() or value.GetError().Fail():
        result.SetError("ag-print: cannot evaluate %s" % expression)
        return
    if value.GetType().IsPointerType():
        value = value.Dereference()
    if _type_name(value) not in ("ag::Tensor", "ag::TensorImpl"):
        result.SetError("ag-print: %s is not an ag::Tensor" % expression)
        return
    view, fallback = _view(value)
    if view is None:
        result.AppendMessage(fallback)
        return
    try:
        result.AppendMessage(view.header() + "\n" + _nested(view, limit))
    except (Garbage, struct.error):
        result.AppendMessage("Tensor <uninitialised>")


def __lldb_init_module(debugger, internal_dict):
    module = __name__
    for type_name in ("ag::Tensor", "ag::TensorImpl"):
        debugger.HandleCommand('type summary add -e -w attograd -F %s.tensor_summary "%s"' % (module, type_name))
        debugger.HandleCommand('type synthetic add -w attograd -l %s.TensorRows "%s"' % (module, type_name))
    debugger.HandleCommand("type category enable attograd")
    debugger.HandleCommand("command script add -f %s.ag_print ag-print" % module)
