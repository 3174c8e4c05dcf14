package io.signstream.engine.lrp;

import io.signstream.engine.exec.Propagation;

/**
 * A complete LRP configuration: which rule each layer takes, as a {@link Propagation} the reverse-pass driver
 * runs. The output relevance it starts from is onehot(c)·f_c (iNNvestigate convention).
 */
public interface LrpComposite extends Propagation {

    /** A one-line description of the rules, e.g. {@code input: SIGN; dense: Epsilon(0.1); conv: AlphaBeta(1,0)}. */
    String describe();
}
