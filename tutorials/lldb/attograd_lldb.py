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
# What is printed, and every check of a half-built tensor, is shared with
# gdb's printer (tutorials/debuggers/tensor_view.py); this file only reaches
# the fields: both standard libraries' layouts of std::shared_ptr,
# std::vector and std::string, libstdc++'s (g++ on Linux) and libc++'s
# (Apple's clang, `make STDLIB=libc++`), and the two fields of attograd's
# FloatBuffer (core/allocator.h).
import bisect
import os
import struct
import sys

import lldb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "debuggers"))
import tensor_view  # noqa: E402  (found through the line above)
from tensor_view import Garbage, TensorView  # noqa: E402

READ_ERRORS = (Garbage,) + tensor_view.DECODE_ERRORS


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
    return tensor_view.checked_pointer(_unsigned(value))


def _shared_ptr_address(sp):
    return _pointer(_member(sp.GetNonSyntheticValue(), "_M_ptr", "__ptr_"))


def _read(process, address, size):
    error = lldb.SBError()
    data = process.ReadMemory(address, size, error)
    if error.Fail() or data is None or len(data) != size:
        raise Garbage()
    return data


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


def _op_name(process, node_address):
    """The backward node's op name, read from its vtable pointer and the
    vtable symbol it points into ("vtable for ag::SoftmaxBackward"), so it
    works for a library built without -g too."""
    vptr = struct.unpack("<Q", _read(process, node_address, 8))[0]
    table = _vtables(process.GetTarget())
    at = bisect.bisect_right(table, (vptr, float("inf"), "")) - 1
    if at < 0 or not table[at][0] <= vptr < table[at][1]:
        return "?"
    return tensor_view.op_from_vtable(table[at][2])


class LldbImpl:
    """A TensorImpl's fields as tensor_view.TensorView asks for them."""

    def __init__(self, impl):
        self.impl = impl
        self.process = impl.GetProcess()

    def shape(self):
        vec = _member(self.impl, "shape").GetNonSyntheticValue()
        impl = vec.GetChildMemberWithName("_M_impl")
        if impl.IsValid():  # libstdc++
            start, finish = _member(impl, "_M_start"), _member(impl, "_M_finish")
        else:  # libc++
            start, finish = _member(vec, "__begin_"), _member(vec, "__end_")
        return tensor_view.vector_span(_unsigned(start), _unsigned(finish), 8)

    def name(self):
        s = _member(self.impl, "name").GetNonSyntheticValue()
        length_field = s.GetChildMemberWithName("_M_string_length")
        if length_field.IsValid():  # libstdc++: length, then a pointer to the chars
            length = tensor_view.checked_name_length(_unsigned(length_field))
            if length == 0:
                return ""
            address = _unsigned(_member(_member(s, "_M_dataplus"), "_M_p"))
            if address == 0:
                raise Garbage()
            return self.read(address, length).decode("utf-8")
        # libc++ keeps short strings inside the object, in a layout that changed
        # between versions: lldb's own std::string summary knows them all.
        text = s.GetSummary()
        if text is None or len(text) < 2 or not text.startswith('"'):
            raise Garbage()
        tensor_view.checked_name_length(len(text))
        return text[1:-1]

    def storage(self):
        storage = _member(self.impl, "storage").GetNonSyntheticValue()
        storage_ptr = _member(storage, "_M_ptr", "__ptr_")
        if _pointer(storage_ptr) == 0:
            return None
        buffer = _member(storage_ptr.Dereference(), "data")  # an ag::FloatBuffer
        return _unsigned(_member(buffer, "data_")), _unsigned(_member(buffer, "size_"))

    def requires_grad(self):
        return _unsigned(_member(self.impl, "requires_grad")) != 0

    def op(self):
        grad_fn = _shared_ptr_address(_member(self.impl, "grad_fn"))
        return _op_name(self.process, grad_fn) if grad_fn != 0 else ""

    def read(self, address, size):
        return _read(self.process, address, size)


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
        return TensorView(LldbImpl(impl)), ""
    except READ_ERRORS:
        return None, kind + " <uninitialised>"


def tensor_summary(valobj, internal_dict):
    """The one line bt, breakpoints and `frame variable` show."""
    view, fallback = _view(valobj)
    if view is None:
        return fallback
    try:
        return view.summary()
    except READ_ERRORS:
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
        return self.view.shown_rows() if self.view is not None else 0

    def get_child_index(self, name):
        try:
            return int(name.lstrip("[").rstrip("]"))
        except ValueError:
            return -1

    def get_child_at_index(self, index):
        view = self.view
        if view is None or index < 0 or index >= self.num_children():
            return None
        n = min(view.row_length(), tensor_view.MAX_VALUES)
        row_type = self.valobj.GetTarget().GetBasicType(lldb.eBasicTypeFloat).GetArrayType(n)
        address = view.data + 4 * index * view.row_length()
        return self.valobj.CreateValueFromAddress(view.row_label(index), address, row_type)

    def has_children(self):
        return self.num_children() > 0


def ag_print(debugger, command, result, internal_dict):
    try:
        expression, limit = tensor_view.ag_print_arguments(command)
    except tensor_view.UsageError as usage:
        result.SetError(str(usage))
        return
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
        result.AppendMessage(view.nested(limit))
    except READ_ERRORS:
        result.AppendMessage("Tensor <uninitialised>")


ag_print.__doc__ = tensor_view.AG_PRINT_HELP


def __lldb_init_module(debugger, internal_dict):
    module = __name__
    for type_name in ("ag::Tensor", "ag::TensorImpl"):
        debugger.HandleCommand('type summary add -e -w attograd -F %s.tensor_summary "%s"'
                               % (module, type_name))
        debugger.HandleCommand('type synthetic add -w attograd -l %s.TensorRows "%s"'
                               % (module, type_name))
    debugger.HandleCommand("type category enable attograd")
    debugger.HandleCommand("command script add -f %s.ag_print ag-print" % module)
