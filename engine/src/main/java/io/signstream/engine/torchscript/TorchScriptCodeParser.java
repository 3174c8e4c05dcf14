package io.signstream.engine.torchscript;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the TorchScript source that {@code torch.jit.save} writes under {@code code/}: class definitions whose
 * methods are lists of statements ({@code a = expr}, {@code return expr}) over calls, attribute reads, literals
 * and lists. That is all a traced model's code consists of (the tracer flattens control flow); compound statements
 * ({@code if}, {@code for}, ...) of scripted code are kept as {@link Stmt.Unsupported} so that the importer can name
 * them if a model actually executes them.
 *
 * <pre>{@code
 * Map<String, TorchScriptCodeParser.ClassDef> classes =
 *         TorchScriptCodeParser.parseModule("__torch__.torch.nn.modules.linear", source);
 * TorchScriptCodeParser.MethodDef forward = classes.get("__torch__.torch.nn.modules.linear.Linear").method("forward");
 * }</pre>
 */
public final class TorchScriptCodeParser {

    /** Keywords that open a compound statement or are not expressions. */
    private static final java.util.Set<String> COMPOUND = java.util.Set.of("if", "elif", "else", "for", "while",
            "with", "try", "except", "finally", "def", "class", "raise", "assert", "del", "global", "import");

    private TorchScriptCodeParser() {
    }

    /** A class of the archive's code, e.g. {@code __torch__.torch.nn.modules.conv.Conv2d}. */
    public record ClassDef(String qualifiedName, Map<String, MethodDef> methods) {
        public MethodDef method(String name) {
            return methods.get(name);
        }
    }

    /** One method; {@code params} includes {@code self}. */
    public record MethodDef(String name, List<String> params, List<Stmt> body) {
    }

    /** A statement of a method body. {@code text} is the source line, for messages. */
    public sealed interface Stmt {
        String text();

        /** {@code a = expr} or {@code a, b = expr}. */
        record Assign(List<String> targets, Expr value, String text) implements Stmt {
        }

        /** {@code return expr}. */
        record Return(Expr value, String text) implements Stmt {
        }

        /** A call evaluated for its effect, e.g. an in-place op. */
        record ExprStmt(Expr value, String text) implements Stmt {
        }

        /** A statement the parser does not model (control flow, attribute assignment, syntax it cannot read). */
        record Unsupported(String text) implements Stmt {
        }
    }

    /** Expressions of TorchScript's printed Python subset. */
    public sealed interface Expr {
        record Name(String id) implements Expr {
        }

        record Attr(Expr object, String name) implements Expr {
        }

        record Call(Expr function, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        }

        record ListExpr(List<Expr> items) implements Expr {
        }

        record TupleExpr(List<Expr> items) implements Expr {
        }

        /** A literal: Long, Double, String, Boolean or null (None). */
        record Const(Object value) implements Expr {
        }

        record Subscript(Expr object, Expr index) implements Expr {
        }

        record BinOp(String op, Expr left, Expr right) implements Expr {
        }

        record Neg(Expr operand) implements Expr {
        }

        /** {@code torch._convolution} for a chain of names, else null. */
        static String dotted(Expr e) {
            if (e instanceof Name n) {
                return n.id();
            }
            if (e instanceof Attr a) {
                String head = dotted(a.object());
                return head == null ? null : head + "." + a.name();
            }
            return null;
        }
    }

    /**
     * Parses the source of one Python module of the archive.
     *
     * @param pythonModule e.g. {@code __torch__.torch.nn.modules.conv}: classes are qualified with it
     * @return classes by qualified name, in source order
     */
    public static Map<String, ClassDef> parseModule(String pythonModule, String source) {
        List<Line> lines = logicalLines(source);
        Map<String, ClassDef> classes = new LinkedHashMap<>();
        int i = 0;
        while (i < lines.size()) {
            Line line = lines.get(i);
            if (line.indent == 0 && line.text.startsWith("class ")) {
                String name = line.text.substring("class ".length()).split("[(:\\s]", 2)[0].strip();
                Map<String, MethodDef> methods = new LinkedHashMap<>();
                int j = i + 1;
                while (j < lines.size() && lines.get(j).indent > 0) {
                    Line member = lines.get(j);
                    if (member.text.startsWith("def ")) {
                        int k = j + 1;
                        while (k < lines.size() && lines.get(k).indent > member.indent) {
                            k++;
                        }
                        MethodDef m = parseMethod(member.text, lines.subList(j + 1, k));
                        methods.put(m.name(), m);
                        j = k;
                    } else {
                        j++; // __parameters__, attribute annotations, __annotations__["0"] = ...: the pickle has them
                    }
                }
                classes.put(pythonModule + "." + name, new ClassDef(pythonModule + "." + name, methods));
                i = j;
            } else {
                i++; // free functions, imports, constants: not executed by the importer
            }
        }
        return classes;
    }

    private static MethodDef parseMethod(String header, List<Line> bodyLines) {
        int open = header.indexOf('(');
        int close = header.lastIndexOf(')');
        String name = header.substring("def ".length(), open < 0 ? header.length() : open).strip();
        List<String> params = new ArrayList<>();
        if (open >= 0 && close > open) {
            for (String part : splitTopLevel(header.substring(open + 1, close))) {
                String p = part.strip();
                if (!p.isEmpty()) {
                    params.add(p.split("[:=]", 2)[0].strip());
                }
            }
        }
        List<Stmt> body = new ArrayList<>();
        int bodyIndent = bodyLines.isEmpty() ? 0 : bodyLines.get(0).indent;
        for (int i = 0; i < bodyLines.size(); i++) {
            Line l = bodyLines.get(i);
            if (l.indent > bodyIndent) {
                continue; // inside a compound statement recorded as unsupported below
            }
            body.add(parseStatement(l.text));
        }
        return new MethodDef(name, List.copyOf(params), List.copyOf(body));
    }

    static Stmt parseStatement(String text) {
        try {
            String firstWord = text.split("[^A-Za-z_0-9]", 2)[0];
            if (text.endsWith(":") || COMPOUND.contains(firstWord)) {
                return new Stmt.Unsupported(text);
            }
            if (text.equals("pass")) {
                return new Stmt.ExprStmt(new Expr.Const(null), text);
            }
            if (text.equals("return")) {
                return new Stmt.Return(new Expr.Const(null), text);
            }
            if (text.startsWith("return ")) {
                return new Stmt.Return(new Parser(tokenize(text.substring(7))).parseAll(), text);
            }
            int eq = assignmentEquals(text);
            if (eq > 0) {
                List<String> targets = new ArrayList<>();
                String lhs = text.substring(0, eq).strip();
                // TorchScript writes tuple targets with a trailing comma: `q, k, v, = torch.chunk(x, 3, -1)`
                lhs = lhs.endsWith(",") ? lhs.substring(0, lhs.length() - 1) : lhs;
                for (String t : lhs.split(",")) {
                    String target = t.strip();
                    if (!target.matches("[A-Za-z_][A-Za-z_0-9]*")) {
                        return new Stmt.Unsupported(text); // self.x = ..., a[0] = ..., annotated assignment
                    }
                    targets.add(target);
                }
                return new Stmt.Assign(List.copyOf(targets), new Parser(tokenize(text.substring(eq + 1))).parseAll(),
                        text);
            }
            return new Stmt.ExprStmt(new Parser(tokenize(text)).parseAll(), text);
        } catch (IllegalArgumentException e) {
            return new Stmt.Unsupported(text);
        }
    }

    /** Position of the '=' of an assignment (not ==, <=, >=, != and not inside brackets or strings), or -1. */
    private static int assignmentEquals(String text) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == '=' && depth == 0) {
                char prev = i > 0 ? text.charAt(i - 1) : ' ';
                char next = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
                if (next != '=' && prev != '=' && prev != '<' && prev != '>' && prev != '!') {
                    return i;
                }
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    // ---------------------------------------------------------------- lines

    private record Line(int indent, String text) {
    }

    /** Physical lines joined while brackets are open (a def header spans lines), with their indentation. */
    private static List<Line> logicalLines(String source) {
        List<Line> out = new ArrayList<>();
        StringBuilder current = null;
        int indent = 0;
        int depth = 0;
        for (String raw : source.split("\\R")) {
            if (current == null) {
                String stripped = raw.strip();
                if (stripped.isEmpty() || stripped.startsWith("#")) {
                    continue;
                }
                indent = raw.length() - raw.stripLeading().length();
                current = new StringBuilder(stripped);
            } else {
                current.append(' ').append(raw.strip());
            }
            depth += bracketBalance(raw);
            if (depth <= 0) {
                out.add(new Line(indent, current.toString()));
                current = null;
                depth = 0;
            }
        }
        if (current != null) {
            out.add(new Line(indent, current.toString()));
        }
        return out;
    }

    private static int bracketBalance(String s) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                break;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        return depth;
    }

    // ---------------------------------------------------------------- tokens

    private enum T { NAME, NUMBER, STRING, OP, END }

    private record Token(T type, String text, Object value) {
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(T.NAME, s.substring(i, j), null));
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int j = i;
                boolean real = false;
                while (j < s.length()) {
                    char d = s.charAt(j);
                    if (Character.isDigit(d)) {
                        j++;
                    } else if (d == '.') {
                        real = true;
                        j++;
                    } else if ((d == 'e' || d == 'E') && j + 1 < s.length()) {
                        real = true;
                        j++;
                        if (s.charAt(j) == '+' || s.charAt(j) == '-') {
                            j++;
                        }
                    } else {
                        break;
                    }
                }
                String num = s.substring(i, j);
                Object v = real ? (Object) Double.parseDouble(num) : (Object) Long.parseLong(num);
                out.add(new Token(T.NUMBER, num, v));
                i = j;
            } else if (c == '"' || c == '\'') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    if (s.charAt(j) == '\\' && j + 1 < s.length()) {
                        j++;
                        char e = s.charAt(j);
                        sb.append(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                    } else {
                        sb.append(s.charAt(j));
                    }
                    j++;
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("unterminated string");
                }
                out.add(new Token(T.STRING, s.substring(i, j + 1), sb.toString()));
                i = j + 1;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("==", "!=", "<=", ">=", "->", "//", "**").contains(two)) {
                    out.add(new Token(T.OP, two, null));
                    i += 2;
                } else if ("()[]{},:.=+-*/%<>@&|~".indexOf(c) >= 0) {
                    out.add(new Token(T.OP, String.valueOf(c), null));
                    i++;
                } else {
                    throw new IllegalArgumentException("unexpected character '" + c + "'");
                }
            }
        }
        out.add(new Token(T.END, "", null));
        return out;
    }

    // ---------------------------------------------------------------- expressions

    /** Recursive descent over one expression (precedence: comparison < + - < * / < unary < trailers). */
    private static final class Parser {
        private final List<Token> tokens;
        private int pos;

        Parser(List<Token> tokens) {
            this.tokens = tokens;
        }

        Expr parseAll() {
            Expr e = tupleOrExpr(T.END, null);
            expect(T.END, null);
            return e;
        }

        /** A bare {@code a, b} (as in {@code return a, b}) is a tuple. */
        private Expr tupleOrExpr(T endType, String endText) {
            Expr first = expr();
            if (!isOp(",")) {
                return first;
            }
            List<Expr> items = new ArrayList<>(List.of(first));
            while (isOp(",")) {
                pos++;
                if (peek().type() == endType && (endText == null || peek().text().equals(endText))) {
                    break;
                }
                items.add(expr());
            }
            return new Expr.TupleExpr(List.copyOf(items));
        }

        private Expr expr() {
            Expr left = additive();
            while (isOp("==") || isOp("!=") || isOp("<") || isOp(">") || isOp("<=") || isOp(">=")) {
                String op = tokens.get(pos++).text();
                left = new Expr.BinOp(op, left, additive());
            }
            return left;
        }

        private Expr additive() {
            Expr left = multiplicative();
            while (isOp("+") || isOp("-")) {
                String op = tokens.get(pos++).text();
                left = new Expr.BinOp(op, left, multiplicative());
            }
            return left;
        }

        private Expr multiplicative() {
            Expr left = unary();
            while (isOp("*") || isOp("/") || isOp("//") || isOp("%") || isOp("@")) {
                String op = tokens.get(pos++).text();
                left = new Expr.BinOp(op, left, unary());
            }
            return left;
        }

        private Expr unary() {
            if (isOp("-")) {
                pos++;
                Expr operand = unary();
                if (operand instanceof Expr.Const c && c.value() instanceof Long l) {
                    return new Expr.Const(-l);
                }
                if (operand instanceof Expr.Const c && c.value() instanceof Double d) {
                    return new Expr.Const(-d);
                }
                return new Expr.Neg(operand);
            }
            if (isOp("+")) {
                pos++;
                return unary();
            }
            return postfix(atom());
        }

        private Expr postfix(Expr e) {
            while (true) {
                if (isOp("(")) {
                    pos++;
                    List<Expr> args = new ArrayList<>();
                    Map<String, Expr> kwargs = new LinkedHashMap<>();
                    while (!isOp(")")) {
                        if (peek().type() == T.NAME && tokens.get(pos + 1).type() == T.OP
                                && tokens.get(pos + 1).text().equals("=")) {
                            String key = tokens.get(pos).text();
                            pos += 2;
                            kwargs.put(key, expr());
                        } else {
                            args.add(expr());
                        }
                        if (isOp(",")) {
                            pos++;
                        } else {
                            break;
                        }
                    }
                    expect(T.OP, ")");
                    e = new Expr.Call(e, List.copyOf(args), kwargs);
                } else if (isOp(".")) {
                    pos++;
                    Token name = expect(T.NAME, null);
                    e = new Expr.Attr(e, name.text());
                } else if (isOp("[")) {
                    pos++;
                    Expr index = tupleOrExpr(T.OP, "]");
                    expect(T.OP, "]");
                    e = new Expr.Subscript(e, index);
                } else {
                    return e;
                }
            }
        }

        private Expr atom() {
            Token t = tokens.get(pos++);
            switch (t.type()) {
                case NAME:
                    return switch (t.text()) {
                        case "None" -> new Expr.Const(null);
                        case "True" -> new Expr.Const(Boolean.TRUE);
                        case "False" -> new Expr.Const(Boolean.FALSE);
                        case "inf" -> new Expr.Const(Double.POSITIVE_INFINITY);
                        case "nan" -> new Expr.Const(Double.NaN);
                        default -> new Expr.Name(t.text());
                    };
                case NUMBER:
                case STRING:
                    return new Expr.Const(t.value());
                case OP:
                    if (t.text().equals("(")) {
                        if (isOp(")")) {
                            pos++;
                            return new Expr.TupleExpr(List.of());
                        }
                        Expr inner = expr();
                        if (isOp(",")) {
                            List<Expr> items = new ArrayList<>(List.of(inner));
                            while (isOp(",")) {
                                pos++;
                                if (isOp(")")) {
                                    break;
                                }
                                items.add(expr());
                            }
                            inner = new Expr.TupleExpr(List.copyOf(items));
                        }
                        expect(T.OP, ")");
                        return inner;
                    }
                    if (t.text().equals("[")) {
                        List<Expr> items = new ArrayList<>();
                        while (!isOp("]")) {
                            items.add(expr());
                            if (isOp(",")) {
                                pos++;
                            } else {
                                break;
                            }
                        }
                        expect(T.OP, "]");
                        return new Expr.ListExpr(List.copyOf(items));
                    }
                    throw new IllegalArgumentException("unexpected '" + t.text() + "'");
                default:
                    throw new IllegalArgumentException("unexpected end of expression");
            }
        }

        private Token peek() {
            return tokens.get(pos);
        }

        private boolean isOp(String op) {
            Token t = tokens.get(pos);
            return t.type() == T.OP && t.text().equals(op);
        }

        private Token expect(T type, String text) {
            Token t = tokens.get(pos);
            if (t.type() != type || (text != null && !t.text().equals(text))) {
                throw new IllegalArgumentException("expected " + (text != null ? text : type) + ", found '"
                        + t.text() + "'");
            }
            pos++;
            return t;
        }
    }
}
