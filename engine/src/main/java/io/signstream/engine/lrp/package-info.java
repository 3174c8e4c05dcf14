/**
 * Layer-wise relevance propagation: SignXAI's LRP catalogue (METHODS.md §1, §2.1, §2.2, §3.1) on the engine's
 * reverse pass.
 *
 * <ul>
 * <li>{@link io.signstream.engine.lrp.Rule}: the rules as data (terms of input × parameter modifiers, a
 * {@link io.signstream.engine.lrp.Stabiliser}); {@link io.signstream.engine.lrp.LrpKernelRule} evaluates any of them
 * on a Dense or Conv layer with DJL NDArray operations and the backend's convolution and its transpose.</li>
 * <li>{@link io.signstream.engine.lrp.RuleComposite}: which rule each layer takes, plus the fixed rules for pooling,
 * BatchNorm, residual Add and pass-through layers; a {@link io.signstream.engine.exec.Propagation}.</li>
 * <li>{@link io.signstream.engine.lrp.LrpMethods}: method names → composites.</li>
 * </ul>
 *
 * <pre>{@code
 * // a whole method name, modifiers included: MethodRunner seeds with onehot(c)·f_c and applies the suffix
 * NDArray map = MethodRunner.run(model, x, targets, MethodNames.parse("lrpsign_epsilon_0_1_x_sign", params));
 * // the composite of a name (MethodNames peels _x_input / _x_sign first, then calls LrpMethods.parse)
 * LrpComposite c = MethodNames.parse("lrpsign_epsilon_0_1", MethodParams.empty()).lrp();
 * // or a composite built in code, run on the reverse pass with a seed of your own
 * LrpComposite d = RuleComposite.builder().inputLayer(new Rule.Flat()).all(new Rule.Epsilon(0.25)).build();
 * Activations acts = ForwardPass.run(model, x);
 * NDArray relevance = ReversePass.toInput(model, acts, seed, d);   // seed = onehot(c)·f_c, shape (N, classes)
 * }</pre>
 */
package io.signstream.engine.lrp;
