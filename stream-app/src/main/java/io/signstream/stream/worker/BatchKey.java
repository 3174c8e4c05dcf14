package io.signstream.stream.worker;

import io.signstream.schemas.ExplainTask;
import java.util.Map;
import java.util.TreeMap;

/**
 * What tasks must share to go into one explain call: the same model, engine, method and parameters,
 * and either all with an explicit target or all explaining the top prediction (the engine takes one
 * target array or none).
 */
record BatchKey(String modelId, String modelVersion, String engine, String method, Map<String, String> params,
    boolean targeted) {

  static BatchKey of(ExplainTask t) {
    return new BatchKey(t.getModelId(), t.getModelVersion(), t.getEngine(), t.getMethod(),
        new TreeMap<>(t.getParams()), t.getTarget() != null);
  }
}
