package io.signstream.engine.torchscript;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal, side-effect-free unpickler for TorchScript's {@code data.pkl}: the module tree with its attributes
 * and tensor references. It never instantiates anything named in the pickle (unlike Python's unpickler); classes
 * become {@link PickledObject}s and {@code torch._utils._rebuild_tensor_v2} becomes a {@link TensorRecord}.
 *
 * <p>Why our own: DJL exposes a TorchScript module's parameters but not its buffers (BatchNorm running statistics),
 * and the importer should not need the native engine at all.
 */
final class PickleReader {

    /** A class or function named by a GLOBAL opcode. */
    record GlobalRef(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** An instance of a pickled class: a TorchScript module (its attributes are in {@code state}). */
    record PickledObject(GlobalRef type, Map<String, Object> state) {
    }

    /** A persistent storage reference: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
    record StorageRef(String storageType, String key, long numel) {
    }

    /** A tensor view of a storage, as {@code torch._utils._rebuild_tensor_v2} describes it. */
    record TensorRecord(StorageRef storage, long offset, long[] size, long[] stride) {
        @Override
        public String toString() {
            return "Tensor" + Arrays.toString(size) + "(" + storage.storageType() + ")";
        }
    }

    /** Any other reduce call, kept uninterpreted. */
    record Reduced(GlobalRef callable, List<Object> args) {
    }

    private static final Object MARK = new Object();

    private final byte[] data;
    private final ByteBuffer buf;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private PickleReader(byte[] data) {
        this.data = data;
        this.buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Unpickles {@code data}; throws {@link IllegalArgumentException} with a short reason on anything odd. */
    static Object read(byte[] data) {
        return new PickleReader(data).run();
    }

    private Object run() {
        while (buf.hasRemaining()) {
            int op = buf.get() & 0xff;
            switch (op) {
                case 0x80 -> buf.get(); // PROTO
                case 0x95 -> skip(8); // FRAME
                case '.' -> {
                    return pop();
                }
                case 'c' -> push(new GlobalRef(line(), line()));
                case 0x93 -> { // STACK_GLOBAL
                    String name = (String) pop();
                    push(new GlobalRef((String) pop(), name));
                }
                case 'q' -> memo.put(buf.get() & 0xff, peek());
                case 'r' -> memo.put(buf.getInt(), peek());
                case 0x94 -> memo.put(memo.size(), peek());
                case 'h' -> push(memoGet(buf.get() & 0xff));
                case 'j' -> push(memoGet(buf.getInt()));
                case ')' -> push(List.of());
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case '(' -> {
                    marks.add(stack.size());
                    push(MARK);
                }
                case 't' -> push(List.copyOf(popToMark()));
                case 0x85 -> push(List.of(pop()));
                case 0x86 -> {
                    Object b = pop();
                    push(Arrays.asList(pop(), b));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    push(Arrays.asList(pop(), b, c));
                }
                case 'X' -> push(string(length(buf.getInt())));
                case 0x8c -> push(string(length(buf.get() & 0xff)));
                case 0x8d -> push(string(length(buf.getLong())));
                case 'T' -> push(string(length(buf.getInt())));
                case 'U' -> push(string(length(buf.get() & 0xff)));
                case 'B' -> push(bytes(length(buf.getInt())));
                case 'C' -> push(bytes(length(buf.get() & 0xff)));
                case 'K' -> push((long) (buf.get() & 0xff));
                case 'M' -> push((long) (buf.getShort() & 0xffff));
                case 'J' -> push((long) buf.getInt());
                case 0x8a -> push(longN(length(buf.get() & 0xff)));
                case 0x8b -> push(longN(length(buf.getInt())));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 'Q' -> push(persistent(pop()));
                case 0x81 -> { // NEWOBJ: cls, args
                    pop();
                    Object cls = pop();
                    push(new PickledObject(asGlobal(cls), new LinkedHashMap<>()));
                }
                case 'R' -> {
                    Object args = pop();
                    push(reduce(asGlobal(pop()), asList(args)));
                }
                case 'b' -> build(pop(), peek());
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    Map<Object, Object> m = asMap(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = pop();
                    asListMutable(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    asListMutable(peek()).addAll(items);
                }
                case '0' -> pop(); // POP
                default -> throw new IllegalArgumentException(
                        "unsupported pickle opcode 0x" + Integer.toHexString(op) + " at byte " + (buf.position() - 1));
            }
        }
        throw new IllegalArgumentException("pickle ends without STOP");
    }

    private Object reduce(GlobalRef fn, List<Object> args) {
        String q = fn.qualified();
        if ((q.equals("torch._utils._rebuild_tensor_v2") || q.equals("torch._utils._rebuild_tensor"))
                && args.size() >= 4 && args.get(0) instanceof StorageRef s) {
            return new TensorRecord(s, toLong(args.get(1)), longs(args.get(2)), longs(args.get(3)));
        }
        if (q.equals("torch._utils._rebuild_parameter") && !args.isEmpty()) {
            return args.get(0);
        }
        if (q.equals("collections.OrderedDict")) {
            return new LinkedHashMap<>();
        }
        return new Reduced(fn, args);
    }

    private static Object persistent(Object pid) {
        List<Object> t = asList(pid);
        if (t.size() >= 5 && "storage".equals(t.get(0))) {
            String type = t.get(1) instanceof GlobalRef g ? g.name() : String.valueOf(t.get(1));
            return new StorageRef(type, String.valueOf(t.get(2)), toLong(t.get(4)));
        }
        throw new IllegalArgumentException("unsupported persistent id " + t);
    }

    @SuppressWarnings("unchecked")
    private static void build(Object state, Object target) {
        if (target instanceof PickledObject o && state instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                o.state().put(String.valueOf(e.getKey()), e.getValue());
            }
        }
        // BUILD on anything else (an OrderedDict of hooks, a tensor's extra state) carries nothing we need
    }

    private Object memoGet(int index) {
        if (!memo.containsKey(index)) {
            throw new IllegalArgumentException("pickle reads memo entry " + index + " before writing it");
        }
        return memo.get(index);
    }

    private String line() {
        int start = buf.position();
        int end = start;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        if (end >= data.length) {
            throw new IllegalArgumentException("truncated pickle");
        }
        buf.position(end + 1);
        return new String(data, start, end - start, StandardCharsets.UTF_8);
    }

    private int length(long n) {
        if (n < 0 || n > buf.remaining()) {
            throw new IllegalArgumentException("truncated pickle (length " + n + " at byte " + buf.position() + ")");
        }
        return (int) n;
    }

    private void skip(int n) {
        buf.position(buf.position() + length(n));
    }

    private byte[] bytes(int n) {
        byte[] out = new byte[length(n)];
        buf.get(out);
        return out;
    }

    private String string(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private long longN(int n) {
        byte[] b = bytes(n);
        if (n > 8) {
            throw new IllegalArgumentException("integer of " + n + " bytes in pickle");
        }
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n); // two's complement of an n-byte number
        }
        return v;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw new IllegalArgumentException("pickle stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw new IllegalArgumentException("pickle pops a mark");
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw new IllegalArgumentException("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) {
            throw new IllegalArgumentException("pickle has no mark");
        }
        int at = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private static GlobalRef asGlobal(Object o) {
        if (o instanceof GlobalRef g) {
            return g;
        }
        throw new IllegalArgumentException("pickle calls a non-global " + o);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("pickle expected a tuple, found " + o);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asListMutable(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("pickle appends to a non-list " + o);
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asMap(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new IllegalArgumentException("pickle sets an item of a non-dict " + o);
    }

    static long toLong(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException("pickle expected an integer, found " + o);
    }

    private static long[] longs(Object o) {
        List<Object> l = asList(o);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLong(l.get(i));
        }
        return out;
    }
}
