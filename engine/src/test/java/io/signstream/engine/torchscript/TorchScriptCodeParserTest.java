package io.signstream.engine.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.signstream.engine.torchscript.TorchScriptCodeParser.ClassDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Expr;
import io.signstream.engine.torchscript.TorchScriptCodeParser.MethodDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Stmt;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statement and expression forms that torch.jit.save prints. */
class TorchScriptCodeParserTest {

    private static final String CONV = """
            class Conv2d(Module):
              __parameters__ = ["weight", "bias", ]
              __buffers__ = []
              weight : Tensor
              bias : Tensor
              training : bool
              _is_full_backward_hook : Optional[bool]
              def forward(self: __torch__.torch.nn.modules.conv.Conv2d,
                x: Tensor) -> Tensor:
                bias = self.bias
                weight = self.weight
                input = torch._convolution(x, weight, bias, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, False, True, True, True)
                return input
            class Scripted(Module):
              __parameters__ = []
              def forward(self: __torch__.torch.nn.modules.conv.Scripted,
                x: Tensor) -> Tensor:
                if torch.eq(torch.dim(x), 2):
                  _0 = torch.relu(x)
                else:
                  _0 = x
                a, b = torch.split(x, 2)
                return _0
            """;

    @Test
    void parsesClassesMethodsAndStatements() {
        Map<String, ClassDef> classes = TorchScriptCodeParser.parseModule("__torch__.torch.nn.modules.conv", CONV);
        assertEquals(List.of("__torch__.torch.nn.modules.conv.Conv2d", "__torch__.torch.nn.modules.conv.Scripted"),
                List.copyOf(classes.keySet()));
        MethodDef forward = classes.get("__torch__.torch.nn.modules.conv.Conv2d").method("forward");
        assertEquals(List.of("self", "x"), forward.params());
        assertEquals(4, forward.body().size());
        Stmt.Assign conv = (Stmt.Assign) forward.body().get(2);
        assertEquals(List.of("input"), conv.targets());
        Expr.Call call = (Expr.Call) conv.value();
        assertEquals("torch._convolution", Expr.dotted(call.function()));
        assertEquals(13, call.args().size());
        assertEquals(new Expr.ListExpr(List.of(new Expr.Const(1L), new Expr.Const(1L))), call.args().get(3));
        assertEquals(new Expr.Const(Boolean.FALSE), call.args().get(6));
        assertInstanceOf(Stmt.Return.class, forward.body().get(3));

        MethodDef scripted = classes.get("__torch__.torch.nn.modules.conv.Scripted").method("forward");
        assertInstanceOf(Stmt.Unsupported.class, scripted.body().get(0)); // the if
        assertInstanceOf(Stmt.Unsupported.class, scripted.body().get(1)); // the else
        assertEquals(List.of("a", "b"), ((Stmt.Assign) scripted.body().get(2)).targets());
    }

    @Test
    void parsesNestedModuleCallsAndLiterals() {
        Stmt s = TorchScriptCodeParser.parseStatement("_6 = (_2).forward((_1).forward((_0).forward(x, ), ), )");
        Expr.Call outer = (Expr.Call) ((Stmt.Assign) s).value();
        Expr.Attr method = (Expr.Attr) outer.function();
        assertEquals("forward", method.name());
        assertEquals(new Expr.Name("_2"), method.object());
        assertInstanceOf(Expr.Call.class, outer.args().get(0));

        Expr.Call bn = (Expr.Call) ((Stmt.Return) TorchScriptCodeParser.parseStatement(
                "return torch.batch_norm(x, w, b, m, v, False, 0.10000000000000001, 1.0000000000000001e-05, True)"))
                .value();
        assertEquals(new Expr.Const(1.0000000000000001e-05), bn.args().get(7));

        Expr.Call kw = (Expr.Call) ((Stmt.ExprStmt) TorchScriptCodeParser.parseStatement(
                "torch.addmm(bias, x, torch.t(weight), beta=1, alpha=-1)")).value();
        assertEquals(new Expr.Const(-1L), kw.kwargs().get("alpha"));

        Expr.Call ga = (Expr.Call) ((Stmt.Assign) TorchScriptCodeParser.parseStatement("_0 = getattr(self, \"0\")"))
                .value();
        assertEquals(new Expr.Const("0"), ga.args().get(1));

        Expr ann = ((Stmt.Assign) TorchScriptCodeParser.parseStatement("_1 = annotate(List[int], [])")).value();
        assertInstanceOf(Expr.Subscript.class, ((Expr.Call) ann).args().get(0));

        Expr tuple = ((Stmt.Return) TorchScriptCodeParser.parseStatement("return (_0, _1)")).value();
        assertEquals(2, ((Expr.TupleExpr) tuple).items().size());

        assertInstanceOf(Stmt.Unsupported.class, TorchScriptCodeParser.parseStatement("self.x = torch.relu(x)"));
        assertInstanceOf(Stmt.Unsupported.class, TorchScriptCodeParser.parseStatement("_0 = torch.relu(x"));
    }
}
