package io.signstream.engine.savedmodel;

/**
 * What a TensorFlow tensor stands for during the import: a constant known at import time, or a graph tensor that
 * depends on the model input.
 */
sealed interface TfValue permits TfConstant, TfTensor {
}
